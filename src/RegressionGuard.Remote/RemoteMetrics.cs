using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RegressionGuard.Remote;

/// <summary>
/// Client-side diagnostics of served models as .NET metrics (meter <see cref="MeterName"/>; read with a
/// <see cref="MeterListener"/>, <c>dotnet-counters</c> or OpenTelemetry). <see cref="ClientSeconds"/> is the time a
/// request spends in our client code outside the HTTP exchange, by <c>phase</c>: <c>encode</c> (tokenising the prompt),
/// <c>serialize</c> (the JSON body), <c>cache</c> (the request-cache key, lookup and store), <c>parse</c> (reading the
/// answer into scores); <see cref="HttpSeconds"/> is the exchange itself (send, server, receive, with retries).
/// Recording costs nothing measurable while no listener is attached.
/// </summary>
public static class RemoteMetrics
{
    public const string MeterName = "RegressionGuard.Remote";

    static readonly Meter Meter = new(MeterName);

    /// <summary>Seconds per request in the client outside the HTTP exchange, tagged <c>phase</c>.</summary>
    public static readonly Histogram<double> ClientSeconds = Meter.CreateHistogram<double>("regressionguard.remote.client.duration", "s",
        "time a request spends in the client outside the HTTP exchange (tag phase: encode, serialize, cache, parse)");

    /// <summary>Seconds per HTTP exchange (send to last byte of the answer, retries included).</summary>
    public static readonly Histogram<double> HttpSeconds = Meter.CreateHistogram<double>("regressionguard.remote.http.duration", "s",
        "time of one HTTP exchange with the server, retries included");

    /// <summary>Records the time since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/>) as client time of <paramref name="phase"/>.</summary>
    internal static void Client(string phase, long start)
    {
        if (ClientSeconds.Enabled)
        {
            ClientSeconds.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>("phase", phase));
        }
    }

    internal static void Http(long start)
    {
        if (HttpSeconds.Enabled)
        {
            HttpSeconds.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }
}
