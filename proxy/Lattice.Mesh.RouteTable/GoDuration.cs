using System.Globalization;
using System.Text;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Durations in the Go/Kubernetes syntax the manifests use: <c>500ms</c>, <c>10s</c>, <c>1m</c>, <c>1h30m</c>.
/// Hand-written because no .NET library parses Go durations; the grammar is Go's <c>time.ParseDuration</c>
/// without negative values, which no policy here can use.
/// </summary>
public static class GoDuration
{
    /// <summary>The fix shown with every duration error.</summary>
    public const string Syntax = "write a Go duration: a number followed by a unit (ns, us, ms, s, m, h), such as 500ms, 10s, 1m or 1h30m";

    /// <summary>Parses <paramref name="text"/>; false when it is not a positive-or-zero Go duration.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var s = text.AsSpan();
        if (s[0] == '+')
        {
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        decimal totalTicks = 0;
        var sawComponent = false;
        while (!s.IsEmpty)
        {
            var numberEnd = 0;
            while (numberEnd < s.Length && (char.IsAsciiDigit(s[numberEnd]) || s[numberEnd] == '.'))
            {
                numberEnd++;
            }

            if (numberEnd == 0 || !decimal.TryParse(s[..numberEnd], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            s = s[numberEnd..];
            var unitEnd = 0;
            while (unitEnd < s.Length && !char.IsAsciiDigit(s[unitEnd]) && s[unitEnd] != '.')
            {
                unitEnd++;
            }

            decimal? ticksPerUnit = s[..unitEnd] switch
            {
                "ns" => 0.01m,
                "us" or "µs" or "μs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => null,
            };
            if (ticksPerUnit is null)
            {
                return false;
            }

            s = s[unitEnd..];

            // Checked before multiplying: a long enough number overflows decimal itself, and TryParse never throws.
            if (number > (TimeSpan.MaxValue.Ticks - totalTicks) / ticksPerUnit.Value)
            {
                return false;
            }

            totalTicks += number * ticksPerUnit.Value;
            if (totalTicks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }

            sawComponent = true;
        }

        if (!sawComponent)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)decimal.Round(totalTicks));
        return true;
    }

    /// <summary>
    /// Formats <paramref name="value"/> as a Go duration: whole seconds under two minutes as seconds (<c>60s</c>,
    /// <c>90s</c>, as people write timeouts), longer ones by unit (<c>2m</c>, <c>1h30m</c>), fractions exactly (<c>1s500ms</c>).
    /// </summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Durations in route tables are never negative.");
        }

        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        if (value < TimeSpan.FromMinutes(2) && value.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            return ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        }

        var builder = new StringBuilder();
        Append(builder, (long)value.TotalHours, "h");
        Append(builder, value.Minutes, "m");
        Append(builder, value.Seconds, "s");
        Append(builder, value.Milliseconds, "ms");
        var subMillisecondTicks = value.Ticks % TimeSpan.TicksPerMillisecond;
        if (subMillisecondTicks != 0)
        {
            // Rare in policy: keep it exact in microseconds rather than lose precision.
            builder.Append((subMillisecondTicks / (decimal)TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture)).Append("us");
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, long amount, string unit)
    {
        if (amount != 0)
        {
            builder.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
