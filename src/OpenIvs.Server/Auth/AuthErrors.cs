using OpenIvs.Protocol.Auth;
using OpenIvs.Protocol.Errors;

namespace OpenIvs.Server.Auth;

/// <summary>The errors AWS JSON services answer for authentication failures (not in the IVS model).</summary>
public static class AuthErrors
{
    public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
    public const string UnrecognizedClient = "UnrecognizedClientException";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string IncompleteSignature = "IncompleteSignatureException";
    public const string ExpiredToken = "ExpiredTokenException";

    internal static IvsException From(SigV4Verification verification) => verification.Failure switch
    {
        SigV4Failure.MissingAuthentication => new IvsException(verification.Message, MissingAuthenticationToken, 403, IvsErrorFault.Client),
        SigV4Failure.Incomplete => new IvsException(verification.Message, IncompleteSignature, 400, IvsErrorFault.Client),
        SigV4Failure.UnknownKey => new IvsException(verification.Message, UnrecognizedClient, 403, IvsErrorFault.Client),
        SigV4Failure.ExpiredToken => new IvsException(verification.Message, ExpiredToken, 403, IvsErrorFault.Client),
        _ => new IvsException(RedactTokens(verification.Message), InvalidSignature, 403, IvsErrorFault.Client),
    };

    // The canonical request shown in a signature mismatch echoes signed headers; never echo a session token.
    private static string? RedactTokens(string? message)
    {
        if (message is null || !message.Contains("x-amz-security-token:", StringComparison.Ordinal))
        {
            return message;
        }

        var lines = message.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("x-amz-security-token:", StringComparison.Ordinal))
            {
                lines[i] = "x-amz-security-token:<redacted>";
            }
        }

        return string.Join('\n', lines);
    }
}
