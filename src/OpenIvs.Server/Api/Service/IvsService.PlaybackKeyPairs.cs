using System.Security.Cryptography;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<ImportPlaybackKeyPairResponse> ImportPlaybackKeyPairAsync(
        ImportPlaybackKeyPairRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var (pem, fingerprint) = ReadPlaybackPublicKey(request.PublicKeyMaterial!);
        var keyPair = await CreateAsync(
            tables.PlaybackKeyPairKind,
            request.Tags,
            _quotas.PlaybackKeyPairs,
            (id, _) => new PlaybackKeyPairRecord
            {
                KeyPair = new PlaybackKeyPair
                {
                    Arn = resources.Arn(ResourceType.PlaybackKey, id),
                    Name = request.Name ?? string.Empty,
                    Fingerprint = fingerprint,
                    Tags = CopyTags(request.Tags),
                },
                PublicKeyPem = pem,
            },
            cancellationToken,
            check: () =>
            {
                if (tables.PlaybackKeyPairs.Values.FirstOrDefault(k => k.KeyPair.Fingerprint == fingerprint) is { } duplicate)
                {
                    throw new ConflictException($"This public key is already imported as {duplicate.KeyPair.Arn}.");
                }
            }).ConfigureAwait(false);
        return new ImportPlaybackKeyPairResponse { KeyPair = keyPair };
    }

    public ValueTask<GetPlaybackKeyPairResponse> GetPlaybackKeyPairAsync(
        GetPlaybackKeyPairRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetPlaybackKeyPairResponse { KeyPair = Require(tables.PlaybackKeyPairKind, request.Arn).KeyPair });

    public ValueTask<ListPlaybackKeyPairsResponse> ListPlaybackKeyPairsAsync(
        ListPlaybackKeyPairsRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var (items, next) = Page(
            tables.PlaybackKeyPairKind, "ListPlaybackKeyPairs", request.NextToken, request.MaxResults ?? Math.Min(_quotas.PlaybackKeyPairs, 100),
            k => new PlaybackKeyPairSummary { Arn = k.Arn, Name = k.Name, Tags = k.Tags });
        return ValueTask.FromResult(new ListPlaybackKeyPairsResponse { KeyPairs = items, NextToken = next });
    }

    public async ValueTask<DeletePlaybackKeyPairResponse> DeletePlaybackKeyPairAsync(
        DeletePlaybackKeyPairRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        await DeleteAsync(tables.PlaybackKeyPairKind, request.Arn, cancellationToken).ConfigureAwait(false);
        return new DeletePlaybackKeyPairResponse();
    }

    /// <summary>
    /// Accepts exactly one PEM public key on the P-384 curve (what IVS playback tokens are signed with).
    /// The fingerprint is the MD5 of the DER SubjectPublicKeyInfo as 16 colon-separated hex bytes: IVS
    /// shows that format but does not document the input, see docs/behavior.md.
    /// </summary>
    internal static (string Pem, string Fingerprint) ReadPlaybackPublicKey(string material)
    {
        byte[] spki;
        try
        {
            var fields = PemEncoding.Find(material);
            var label = material[fields.Label];
            if (label != "PUBLIC KEY")
            {
                throw new ValidationException($"publicKeyMaterial must be a PEM public key (BEGIN PUBLIC KEY), not '{label}'.");
            }

            spki = Convert.FromBase64String(material[fields.Base64Data]);
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length)
            {
                throw new ValidationException("publicKeyMaterial has trailing data after the public key.");
            }

            var parameters = key.ExportParameters(includePrivateParameters: false);
            if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP384.Oid.Value)
            {
                throw new ValidationException("publicKeyMaterial must be an ECDSA key on the P-384 curve (secp384r1).");
            }
        }
        catch (ArgumentException)
        {
            throw new ValidationException("publicKeyMaterial is not a PEM-encoded public key.");
        }
        catch (FormatException)
        {
            throw new ValidationException("publicKeyMaterial is not a PEM-encoded public key.");
        }
        catch (CryptographicException)
        {
            throw new ValidationException("publicKeyMaterial must be an ECDSA public key on the P-384 curve (secp384r1).");
        }

        var pem = PemEncoding.WriteString("PUBLIC KEY", spki);
        var fingerprint = string.Join(':', MD5.HashData(spki).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        return (pem, fingerprint);
    }
}
