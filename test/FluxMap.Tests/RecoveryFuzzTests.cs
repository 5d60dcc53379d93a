using FluxMap.Durability;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>
/// Random damage to real log files: recovery never crashes or hangs, and either reports corruption
/// or opens with a prefix of the commits that keeps every record lying before the damage.
/// </summary>
public sealed class RecoveryFuzzTests
{
    private const string Dir = "/fuzz/db";
    private const int Commits = 600;

    private static readonly FluxMapOptions Options = new()
    {
        Durability = DurabilityMode.Full,
        DataDirectory = Dir,
        WalSegmentSize = 64 * 1024,
        UseDataFile = false,
    };

    private static string Key(int i) => $"k{i:D4}:" + new string('p', 300);

    [Fact]
    public async Task Random_flips_truncations_and_wipes_never_lose_a_record_before_the_damage()
    {
        var original = new FaultyStorage();
        await using (var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(Options).WithStorage(original).OpenAsync(Ct))
        {
            for (var i = 0; i < Commits; i++)
            {
                await db.CreateHandle().InsertAsync(Key(i), i, Ct);
            }
        }

        var segments = original.FileNames.Where(n => n.EndsWith(".log", StringComparison.Ordinal)).ToList();
        Assert.True(segments.Count >= 3, $"only {segments.Count} segments");
        var recordEnds = segments.Select(path => RecordEnds(original.ReadFile(path))).ToList();
        var seed = SeedOr(1234);
        var random = new Random(seed);
        var outcomes = new Dictionary<string, int>();

        for (var iteration = 0; iteration < 300; iteration++)
        {
            var damaged = original.CloneDurable();
            var s = random.Next(segments.Count);
            var bytes = damaged.ReadFile(segments[s]);
            var dataEnd = recordEnds[s].LastOrDefault(WalFormat.SegmentHeaderSize);
            // Mostly hit records; sometimes the zeroed tail a segment keeps after its last record.
            (bytes, var offset, var kind) = SegmentDamage.Inflict(random, bytes, dataEnd, maxFlips: 3);

            damaged.ReplaceFile(segments[s], bytes);
            var intact = recordEnds.Take(s).Sum(ends => ends.Count) + recordEnds[s].Count(end => end <= offset);
            var context = $"seed {seed}, iteration {iteration}: damage kind {kind} at {segments[s]}:{offset}, {intact} records intact before it";

            try
            {
                await using var db = await FluxDatabase.CreateBuilder<string, int>().WithOptions(Options).WithStorage(damaged).OpenAsync(Ct);
                var keys = (await db.CreateHandle().ScanAsync(KeyRange<string>.All, cancellationToken: Ct).ToListAsync()).Select(p => p.Key).ToList();
                Assert.True(keys.Count >= intact, $"{context}: only {keys.Count} recovered");
                Assert.True(keys.SequenceEqual(Enumerable.Range(0, keys.Count).Select(Key)), $"{context}: not a prefix of the commit order");
                outcomes[keys.Count == Commits ? "all" : "prefix"] = outcomes.GetValueOrDefault(keys.Count == Commits ? "all" : "prefix") + 1;
            }
            catch (CorruptionException e)
            {
                Assert.Contains(Dir, e.FilePath, StringComparison.Ordinal);
                outcomes["corruption"] = outcomes.GetValueOrDefault("corruption") + 1;
            }
        }

        // The damage must have exercised every outcome, or the test proves little.
        Assert.True(outcomes.Count == 3, string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
    }

    private static List<int> RecordEnds(byte[] segment)
    {
        var ends = new List<int>();
        for (var offset = WalFormat.SegmentHeaderSize; WalFormat.TryReadRecord(segment, offset, 1, out var record); offset = record.End)
        {
            ends.Add(record.End);
        }

        return ends;
    }
}
