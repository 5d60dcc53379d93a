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

/// <summary>A list of entries, appended to one at a time.</summary>
[GenerateSerializer]
public sealed class Journal
{
    [Id(0)]
    public List<int> Entries { get; set; } = [];
}

/// <summary>A grain that appends entries to a journal in the FluxMap provider, one write per entry.</summary>
public interface IJournalGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="entry"/> and writes the journal; a failed write deactivates the grain, so its next call starts from what is stored.</summary>
    Task Append(int entry);

    Task<int[]> Entries();

    /// <summary>The silo this activation runs on.</summary>
    Task<SiloAddress> Silo();
}

internal sealed class JournalGrain([PersistentState("journal", GrainStorageFixture.Provider)] IPersistentState<Journal> journal, ILocalSiloDetails silo) : Grain, IJournalGrain
{
    public async Task Append(int entry)
    {
        journal.State.Entries.Add(entry);
        try
        {
            await journal.WriteStateAsync();
        }
        catch
        {
            // The write may or may not have committed: the entry in memory, and the ETag, may not be what is stored.
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<int[]> Entries() => Task.FromResult(journal.State.Entries.ToArray());

    public Task<SiloAddress> Silo() => Task.FromResult(silo.SiloAddress);
}
