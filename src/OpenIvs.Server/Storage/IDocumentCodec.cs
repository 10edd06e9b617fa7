namespace OpenIvs.Server.Storage;

/// <summary>
/// Changes a document on its way to and from the durable store, for example to seal a secret it holds: memory
/// keeps <see cref="FromStored"/>'s form, the store only ever sees <see cref="ToStored"/>'s.
/// </summary>
public interface IDocumentCodec<T>
    where T : class
{
    T ToStored(T value);

    T FromStored(T value);
}
