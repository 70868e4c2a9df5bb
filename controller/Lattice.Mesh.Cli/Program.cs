using Lattice.Mesh.Cli;

return LatticeMeshCli.Run(args, Console.Out, Console.Error);
