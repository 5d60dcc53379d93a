using FluxMap.Diagnostics;

namespace FluxMap.Tests;

/// <summary>Messages name types as C# source writes them.</summary>
public sealed class ReadableTypeNameTests
{
    [Theory]
    [InlineData(typeof(FluxTransaction<string, int>), "FluxTransaction<string, int>")]
    [InlineData(typeof(FluxDatabase<byte[], Dictionary<string, List<long?>>>), "FluxDatabase<byte[], Dictionary<string, List<long?>>>")]
    [InlineData(typeof(int[,]), "int[,]")]
    [InlineData(typeof(KeyValuePair<Guid, object>), "KeyValuePair<Guid, object>")]
    [InlineData(typeof(DateTimeOffset), "DateTimeOffset")]
    public void Types_are_named_as_source_writes_them(Type type, string expected) => Assert.Equal(expected, TypeName.Readable(type));
}
