using System.Globalization;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// The two nginx configurations of <see cref="NginxPair"/>, everything under one prefix folder: <c>&lt;name&gt;.pid</c>,
/// <c>&lt;name&gt;-error.log</c>, <c>&lt;name&gt;-temp/</c> and the certificates in <c>&lt;name&gt;/</c>
/// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>, as <c>WorkloadCertificate.WriteFiles</c> writes them).
/// </summary>
internal static class NginxConfig
{
    /// <summary>
    /// Requests per kept-alive connection, client side and upstream: nginx's default of 1,000 would close the pooled
    /// connections (and, between A and B, redo a TLS handshake) every thousand requests, which the sidecars never do.
    /// </summary>
    private const int RequestsPerConnection = 1_000_000;

    /// <summary>The whole file for instance <paramref name="name"/>, its <c>http</c> block holding <paramref name="server"/>.</summary>
    /// <param name="prefix">The folder everything goes in.</param>
    /// <param name="name"><c>a</c> or <c>b</c>.</param>
    /// <param name="user">Who runs this program: the workers run as the same user (nginx only switches user when started as root).</param>
    /// <param name="privileged">Whether this program runs as root, where nginx would otherwise drop its workers to <c>nobody</c>.</param>
    /// <param name="server">The upstream and server blocks.</param>
    public static string Instance(string prefix, string name, string user, bool privileged, string server)
    {
        var temp = Path.Combine(prefix, $"{name}-temp");
        return $$"""
            # nginx {{name}} of the load test's nginx pair, written by lattice-loadtest; everything it writes is under {{prefix}}.
            {{(privileged ? $"user {user};" : "# user: that of lattice-loadtest (not root, so nginx keeps it)")}}
            daemon off;
            worker_processes auto;
            pid {{Path.Combine(prefix, $"{name}.pid")}};
            error_log {{Path.Combine(prefix, $"{name}-error.log")}} warn;

            events {
                worker_connections 4096;
            }

            http {
                access_log off;
                server_tokens off;
                keepalive_requests {{RequestsPerConnection.ToString(CultureInfo.InvariantCulture)}};
                client_body_temp_path {{temp}}/client_body;
                proxy_temp_path {{temp}}/proxy;
                fastcgi_temp_path {{temp}}/fastcgi;
                uwsgi_temp_path {{temp}}/uwsgi;
                scgi_temp_path {{temp}}/scgi;

            {{Indent(server)}}
            }

            """;
    }

    /// <summary>nginx A (certificates in <c>&lt;prefix&gt;/a</c>): plain HTTP on 127.0.0.1:<paramref name="port"/>, to B over mutual TLS with its client certificate.</summary>
    public static string ServerA(string prefix, int port, int portB)
    {
        var certificates = Path.Combine(prefix, "a");
        return $$"""
            {{Upstream("nginx_b", portB)}}

            server {
                listen 127.0.0.1:{{Port(port)}};

                location / {
                    proxy_pass https://nginx_b;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_ssl_protocols TLSv1.2 TLSv1.3;
                    proxy_ssl_certificate {{certificates}}/tls.crt;
                    proxy_ssl_certificate_key {{certificates}}/tls.key;
                    proxy_ssl_trusted_certificate {{certificates}}/ca.crt;
                    proxy_ssl_verify on;
                    proxy_ssl_verify_depth 2;
                    proxy_ssl_name {{NginxPair.UpstreamName}};
                    proxy_ssl_server_name on;
                    proxy_ssl_session_reuse on;
                }
            }
            """;
    }

    /// <summary>nginx B (certificates in <c>&lt;prefix&gt;/b</c>): TLS on 127.0.0.1:<paramref name="port"/> requiring a client certificate from the CA, to the app.</summary>
    public static string ServerB(string prefix, int port, int backendPort)
    {
        var certificates = Path.Combine(prefix, "b");
        return $$"""
            {{Upstream("app", backendPort)}}

            server {
                listen 127.0.0.1:{{Port(port)}} ssl;
                server_name {{NginxPair.UpstreamName}};
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_certificate {{certificates}}/tls.crt;
                ssl_certificate_key {{certificates}}/tls.key;
                ssl_client_certificate {{certificates}}/ca.crt;
                ssl_verify_client on;
                ssl_verify_depth 2;
                ssl_session_cache shared:nginx_b:1m;
                ssl_session_timeout 1h;

                location / {
                    proxy_pass http://app;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                }
            }
            """;
    }

    /// <summary>An upstream of one server on 127.0.0.1 with up to 128 idle connections kept alive per worker.</summary>
    private static string Upstream(string name, int port) => $$"""
        upstream {{name}} {
            server 127.0.0.1:{{Port(port)}};
            keepalive 128;
            keepalive_requests {{RequestsPerConnection.ToString(CultureInfo.InvariantCulture)}};
        }
        """;

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string Indent(string block) =>
        string.Join('\n', block.Split('\n').Select(line => line.Length == 0 ? line : "    " + line));
}
