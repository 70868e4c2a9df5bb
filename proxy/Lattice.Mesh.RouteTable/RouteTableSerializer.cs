using System.Text.Json;

namespace Lattice.Mesh.RouteTable;

/// <summary>Route tables to and from JSON, exactly: a table read back from its JSON equals the table written.</summary>
public static class RouteTableSerializer
{
    public static string Serialize(RouteTable table) =>
        JsonSerializer.Serialize(table, RouteTableJsonContext.Default.RouteTable);

    public static byte[] SerializeToUtf8Bytes(RouteTable table) =>
        JsonSerializer.SerializeToUtf8Bytes(table, RouteTableJsonContext.Default.RouteTable);

    /// <summary>The table as one line of compact JSON ending in a newline, as the push channel sends it.</summary>
    public static byte[] SerializeLine(RouteTable table)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(table, Compact.RouteTable);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    private static RouteTableJsonContext Compact { get; } = new(new JsonSerializerOptions(RouteTableJsonContext.Default.Options) { WriteIndented = false });

    /// <summary>
    /// Reads and validates a table. Never throws for bad input: a malformed or invalid table comes back
    /// with its errors and no table, so the caller keeps the last good one.
    /// </summary>
    public static RouteTableReadResult Read(ReadOnlySpan<byte> utf8Json)
    {
        RouteTable? table;
        try
        {
            table = JsonSerializer.Deserialize(utf8Json, RouteTableJsonContext.Default.RouteTable);
        }
        catch (JsonException exception)
        {
            // The same paths the validator uses: "outbound[1].hosts", not "$.outbound[1].hosts".
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "$" : exception.Path.StartsWith("$.", StringComparison.Ordinal) ? exception.Path[2..] : exception.Path;
            return new RouteTableReadResult
            {
                Errors = [new RouteTableError(field, $"not a valid route table: {FirstSentence(exception.Message)}", "send a table produced by the Lattice.Mesh controller (lattice-mesh routes prints one)")],
            };
        }

        if (table is null)
        {
            return new RouteTableReadResult
            {
                Errors = [new RouteTableError("$", "the document is null", "send a route table object")],
            };
        }

        var errors = RouteTableValidator.Validate(table);
        return new RouteTableReadResult { Table = errors.IsEmpty ? table : null, Errors = errors };
    }

    /// <summary>Reads and validates a table from a string.</summary>
    public static RouteTableReadResult Read(string json) => Read(System.Text.Encoding.UTF8.GetBytes(json));

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: ... | LineNumber: ..." which the field already says.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.');
    }
}
