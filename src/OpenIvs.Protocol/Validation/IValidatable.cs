namespace OpenIvs.Protocol.Validation;

/// <summary>A shape that can check itself against the model's constraint traits.</summary>
public interface IValidatable
{
    /// <summary>Adds a failure to <paramref name="result"/> for every constraint the value breaks.</summary>
    /// <param name="result">Collects failures; allocates nothing while there are none.</param>
    /// <param name="path">Where this value sits in the request ("" at the top).</param>
    void Validate(ref ValidationResult result, string path);
}
