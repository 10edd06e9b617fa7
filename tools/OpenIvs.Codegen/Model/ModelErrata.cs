namespace OpenIvs.Codegen.Model;

/// <summary>
/// Corrections to the published models, each one stated with its reason. Applied after the overlay; a
/// correction whose "from" value no longer matches the model fails generation, so a fixed model is noticed.
/// </summary>
public static class ModelErrata
{
    private sealed record PatternFix(string Shape, string From, string To, string Why);

    private static readonly PatternFix[] PatternFixes =
    [
        new(
            "ResourceArn",
            "^arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]/[a-zA-Z0-9-]+$",
            "^arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+$",
            "the model allows a one-letter resource type, so no real ARN (channel/..., stream-key/...) would match"),
    ];

    public static void Apply(ServiceModel model)
    {
        foreach (var fix in PatternFixes)
        {
            var shape = model.Get(ServiceModel.IdOf(fix.Shape));
            var current = (string?)shape.Traits[Traits.Pattern];
            if (current != fix.From)
            {
                throw new ModelException(
                    $"Erratum for {fix.Shape} expects pattern '{fix.From}' but the model has '{current}'; " +
                    "review and remove the erratum.");
            }

            shape.Traits[Traits.Pattern] = fix.To;
            model.MergeNotes.Add($"{fix.Shape} pattern corrected: {fix.Why}");
        }
    }
}
