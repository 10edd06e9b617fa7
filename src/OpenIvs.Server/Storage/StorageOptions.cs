namespace OpenIvs.Server.Storage;

/// <summary>Where the service keeps its state: SQLite in the data directory (default) or PostgreSQL (docs/postgres.md).</summary>
public sealed class StorageOptions
{
    /// <summary>
    /// An Npgsql connection string (<c>Host=...;Database=...;Username=...</c>); empty: SQLite in the data directory.
    /// Several nodes may share one database: writes are serialized by PostgreSQL, reads stay in each node's memory.
    /// </summary>
    public string Postgres { get; set; } = string.Empty;

    public bool UsesPostgres => Postgres.Length > 0;

    public IEnumerable<string> Validate()
    {
        if (UsesPostgres)
        {
            string? problem = null;
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(Postgres);
            }
            catch (ArgumentException e)
            {
                problem = $"Storage.Postgres is not a valid connection string: {e.Message}";
            }

            if (problem is not null)
            {
                yield return problem;
            }
        }
    }
}
