using BenchmarkDotNet.Running;

// Pick benchmarks with --filter, e.g. --filter '*ChunkReader*'. Results go to BenchmarkDotNet.Artifacts/.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
