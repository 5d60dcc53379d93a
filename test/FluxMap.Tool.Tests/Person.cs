namespace FluxMap.Tool.Tests;

/// <summary>The value type of <see cref="SampleDatabase"/>: a plain class, stored as a MessagePack map.</summary>
public sealed class Person
{
    public string Name { get; set; } = "";

    public int Born { get; set; }
}
