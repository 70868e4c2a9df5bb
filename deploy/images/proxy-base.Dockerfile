# The base of the lattice-proxy image: .NET's runtime dependencies (Debian 12) plus iptables, which the
# traffic-capture init container (`lattice-proxy capture --apply`) runs. The SDK's container support
# (dotnet publish -t:PublishContainer) adds files to a base image but cannot install packages, so this one
# small image is built with docker once per .NET patch release:
#   docker build -t ghcr.io/lattice-mesh/proxy-base:10.0 -f deploy/images/proxy-base.Dockerfile deploy/images
#   docker push ghcr.io/lattice-mesh/proxy-base:10.0
# runtime-deps, not aspnet: publish lattice-proxy self-contained (as Native AOT, proxy/publish-aot.sh) or with
# -p:SelfContained=true; see the README, "Install".
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables \
 && rm -rf /var/lib/apt/lists/*
