using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Coffer.Server.Hosting;

/// <summary>
/// Behind a reverse proxy (nginx terminating TLS), the client's address, the scheme and the host
/// arrive in <c>X-Forwarded-*</c> headers. They are believed only from the proxies named in
/// <c>Coffer:TrustedProxies</c> (addresses or CIDR networks, comma-separated), since anyone else
/// could send them; with none named they are ignored.
/// </summary>
public static class ProxyServices
{
    public const string Key = "Coffer:TrustedProxies";

    public static IServiceCollection AddCofferProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var (networks, wrong) = Parse(configuration[Key]);
        services.AddOptions<ForwardedHeadersOptions>()
            .Configure(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear(); // not even loopback by default: only what is configured
                foreach (var network in networks)
                    o.KnownIPNetworks.Add(network);
            })
            .Validate(_ => wrong.Count == 0, $"{Key}: '{string.Join("', '", wrong)}' is neither an IP address nor a CIDR network (like 10.0.0.0/8).")
            .ValidateOnStart();
        return services;
    }

    /// <summary>First in the pipeline, so every later stage (links, cookies, logs) sees the client's view.</summary>
    /// <remarks>
    /// Reads the setting itself rather than the options: resolving those here would run their
    /// validation before start-up, where a wrong value would end in a stack trace, not a message.
    /// </remarks>
    public static void UseCofferProxies(this WebApplication app)
    {
        if (Parse(app.Configuration[Key]).Networks.Count > 0)
            app.UseForwardedHeaders();
    }

    private static (List<IPNetwork> Networks, List<string> Wrong) Parse(string? value)
    {
        var networks = new List<IPNetwork>();
        var wrong = new List<string>();
        foreach (var entry in (value ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(entry, out var address))
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
                wrong.Add(entry);
        }
        return (networks, wrong);
    }
}
