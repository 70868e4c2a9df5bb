global using static Lattice.Mesh.Proxy.Tests.Support.Test;
