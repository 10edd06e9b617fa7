namespace OpenIvs.Protocol.Errors;

/// <summary>
/// An error answered by the IVS API. Each modelled error has its own subtype (generated); an error code
/// the model does not know still arrives as an <see cref="IvsException"/> with its code and message.
/// </summary>
public class IvsException : Exception
{
    public IvsException(string? message, string errorCode, int statusCode, IvsErrorFault fault, Exception? innerException = null)
        : base(message ?? string.Empty, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        Fault = fault;
    }

    /// <summary>The error type: the <c>x-amzn-ErrorType</c> header, e.g. <c>ResourceNotFoundException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status code of the response.</summary>
    public int StatusCode { get; }

    public IvsErrorFault Fault { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the response, when one was received.</summary>
    public string? RequestId { get; set; }

    /// <summary>Whether retrying the same request may succeed (throttling and server-side failures).</summary>
    public virtual bool IsTransient =>
        StatusCode is 429 or 500 or 502 or 503 or 504 || ErrorCode is "ThrottlingException" or "RequestTimeout";
}
