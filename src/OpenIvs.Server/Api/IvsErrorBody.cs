using System.Text.Json;

namespace OpenIvs.Server.Api;

/// <summary>
/// The JSON body of every API error: <c>{"exceptionMessage": text, "message": text}</c>. <c>exceptionMessage</c>
/// is the model's member, which the generated SDKs map; botocore (AWS CLI, boto3) reads only <c>message</c> (or
/// <c>Message</c>), and the JavaScript SDK's <c>error.message</c> comes from it, so both carry the same text.
/// </summary>
public static class IvsErrorBody
{
    public static void Write(Utf8JsonWriter writer, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("exceptionMessage"u8, message);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
    }
}
