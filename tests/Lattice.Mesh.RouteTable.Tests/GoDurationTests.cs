namespace Lattice.Mesh.RouteTable.Tests;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("1m", 60_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2h45m30s", 9_930_000)]
    [InlineData("0", 0)]
    public void Parses_GoDurations(string text, long milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("10x")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("")]
    [InlineData("-5s")]
    [InlineData("10 s")]
    [InlineData("1..5s")]
    public void Rejects_WhatGoRejects(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(10_000, "10s")]
    [InlineData(60_000, "60s")]
    [InlineData(90_000, "90s")]
    [InlineData(120_000, "2m")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(1_500, "1s500ms")]
    [InlineData(250, "250ms")]
    public void Formats_AsPeopleWriteThem(long milliseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(61_001)]
    [InlineData(3_723_004)]
    public void Format_RoundTrips(long milliseconds)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        Assert.True(GoDuration.TryParse(GoDuration.Format(value), out var back));
        Assert.Equal(value, back);
    }
}
