using OpenIvs.Server.Tests.Architecture.Synthetic.Auth;

// A synthetic Api <-> Auth loop for DependencyCheckerTests: the Api room uses Auth (allowed) ...
namespace OpenIvs.Server.Tests.Architecture.Synthetic.Api
{
    internal sealed class Endpoint
    {
        public static Endpoint? Current { get; set; }

        public bool Handle() => new CleanAuthorizer().Allows("x");
    }
}

// ... and Auth uses Api back, three ways: in a method body, inside a lambda, in a signature.
namespace OpenIvs.Server.Tests.Architecture.Synthetic.Auth
{
    internal sealed class CleanAuthorizer
    {
        public bool Allows(string action) => action.Length > 0;
    }

    internal sealed class LoopingAuthorizer
    {
        public bool Allows() => Api.Endpoint.Current is not null;
    }

    internal sealed class LambdaAuthorizer
    {
        public Func<bool> Allows() => () => Api.Endpoint.Current?.Handle() == true;
    }

    internal sealed class SignatureAuthorizer
    {
        public bool Allows(Api.Endpoint endpoint) => endpoint is not null;
    }
}
