using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Recordings in an S3 service through AWSSDK.S3: any S3-compatible endpoint (<c>--s3-endpoint</c>, path-style by
/// default) or Amazon S3 itself (<c>--s3 aws</c>, in the service's region). Credentials come from
/// <c>--s3-profile</c> or the standard AWS chain; the SDK retries, and objects over 16 MB go up in parts.
/// </summary>
public sealed class S3RecordingDestinations(IAmazonS3 client) : IRecordingDestinations
{
    private const long MultipartThreshold = 16L * 1024 * 1024;
    private const string ProbeKey = "ivs/.openivs-write-check";

    public static S3RecordingDestinations Create(RecordingOptions recording, string region)
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(region),
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (recording.S3Endpoint.Length > 0)
        {
            config.ServiceURL = recording.S3Endpoint;
            config.AuthenticationRegion = region;
            config.ForcePathStyle = recording.S3ForcePathStyle;

            // S3-compatible services do not all accept the newer flexible checksums (aws-chunked trailers).
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        if (recording.S3Profile.Length > 0)
        {
            if (!new CredentialProfileStoreChain().TryGetAWSCredentials(recording.S3Profile, out var credentials))
            {
                throw new InvalidOperationException($"The AWS profile '{recording.S3Profile}' (--s3-profile) was not found.");
            }

            return new S3RecordingDestinations(new AmazonS3Client(credentials, config));
        }

        return new S3RecordingDestinations(new AmazonS3Client(config));
    }

    public async Task<string?> CheckBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            // Writable, not just present: a zero-byte probe object (removed again when allowed).
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = ProbeKey, ContentBody = string.Empty }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.MovedPermanently)
        {
            return $"{e.ErrorCode ?? e.StatusCode.ToString()}: {e.Message}";
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TaskCanceledException)
        {
            return $"the S3 service could not be reached: {e.Message}";
        }

        try
        {
            await client.DeleteObjectAsync(bucket, ProbeKey, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException)
        {
            // IVS's own role may only put objects; the probe then stays.
        }

        return null;
    }

    public async Task PutAsync(string bucket, string key, string file, string contentType, CancellationToken cancellationToken)
    {
        if (new FileInfo(file).Length > MultipartThreshold)
        {
            using var transfer = new TransferUtility(client);
            await transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = bucket, Key = key, FilePath = file, ContentType = contentType }, cancellationToken)
                .ConfigureAwait(false);
            return;
        }

        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, FilePath = file, ContentType = contentType }, cancellationToken).ConfigureAwait(false);
    }
}
