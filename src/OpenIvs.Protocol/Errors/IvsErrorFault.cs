namespace OpenIvs.Protocol.Errors;

/// <summary>Who is at fault, as the model's <c>@error</c> trait says.</summary>
public enum IvsErrorFault
{
    Client,
    Server,
}
