namespace FluxMap.Orleans.Tests;

/// <summary>A grain state with a text and a blob, so tests can write small and huge states.</summary>
[GenerateSerializer]
public sealed class Note
{
    [Id(0)]
    public string Text { get; set; } = "";

    [Id(1)]
    public byte[] Blob { get; set; } = [];
}

/// <summary>A grain with one persistent state in the "fluxmap" provider.</summary>
public interface INoteGrain : IGrainWithStringKey
{
    Task<Note> Load();

    Task<bool> Exists();

    Task Save(Note note);

    Task Clear();

    /// <summary>The silo this activation runs on.</summary>
    Task<SiloAddress> Silo();
}

internal sealed class NoteGrain([PersistentState("note", GrainStorageFixture.Provider)] IPersistentState<Note> note, ILocalSiloDetails silo) : Grain, INoteGrain
{
    public Task<Note> Load() => Task.FromResult(note.State);

    public Task<bool> Exists() => Task.FromResult(note.RecordExists);

    public Task Save(Note value)
    {
        note.State = value;
        return note.WriteStateAsync();
    }

    public Task Clear() => note.ClearStateAsync();

    public Task<SiloAddress> Silo() => Task.FromResult(silo.SiloAddress);
}

/// <summary>A grain whose state lives in the silo's default provider (its attribute names none).</summary>
public interface IDefaultNoteGrain : IGrainWithStringKey
{
    Task<string> Load();

    Task Save(string text);
}

internal sealed class DefaultNoteGrain([PersistentState("note")] IPersistentState<Note> note) : Grain, IDefaultNoteGrain
{
    public Task<string> Load() => Task.FromResult(note.State.Text);

    public Task Save(string text)
    {
        note.State.Text = text;
        return note.WriteStateAsync();
    }
}
