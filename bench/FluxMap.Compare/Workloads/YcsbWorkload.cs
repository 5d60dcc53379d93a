using FluxMap.Compare.Adapters;

namespace FluxMap.Compare.Workloads;

/// <summary>
/// YCSB core workloads A–F (Cooper et al., SoCC 2010) with their standard mixes. Updates write a
/// whole 100-byte value; D reads the latest keys; E scans 1–100 keys from a chosen key.
/// </summary>
internal sealed class YcsbWorkload : Workload
{
    private readonly char _letter;
    private readonly KeyDistribution _distribution;
    private readonly KeySpace _keys;
    private readonly Lazy<ZipfianGenerator> _zipfian;

    /// <summary>Workload <paramref name="letter"/> (A–F) choosing keys by <paramref name="distribution"/>.</summary>
    public YcsbWorkload(char letter, KeyDistribution distribution, KeySpace keys, Lazy<ZipfianGenerator> zipfian, int workers, long operations)
        : base(
            $"ycsb-{char.ToLowerInvariant(letter)}-{distribution.ToString().ToLowerInvariant()}",
            $"YCSB {letter} ({Mix(letter)}), {distribution.ToString().ToLowerInvariant()}: {keys.Loaded:N0} records, {workers} threads",
            workers,
            operations)
    {
        _letter = letter;
        _distribution = distribution;
        _keys = keys;
        _zipfian = zipfian;
    }

    /// <inheritdoc />
    public override string? Unsupported(StoreDefinition store) =>
        _letter == 'E' && !store.Features.HasFlag(StoreFeatures.OrderedScan) ? "no ordered scan" : null;

    /// <inheritdoc />
    public override void Prepare()
    {
        if (_distribution == KeyDistribution.Zipfian)
        {
            _ = _zipfian.Value;
        }
    }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(IStoreSession session, WorkerState worker, long index)
    {
        var random = worker.Random;
        var roll = random.Next(100);
        return _letter switch
        {
            'A' => roll < 50 ? Read(session, random) : session.PutAsync(_keys[Choose(random)], ValuePool.For(index)),
            'B' => roll < 95 ? Read(session, random) : session.PutAsync(_keys[Choose(random)], ValuePool.For(index)),
            'C' => Read(session, random),
            'D' => roll < 95 ? Discard(session.GetAsync(_keys[Latest(random)])) : Insert(session, index),
            'E' => roll < 95 ? Discard(session.ScanAsync(_keys[Choose(random)], 1 + random.Next(100))) : Insert(session, index),
            _ => roll < 50 ? Read(session, random) : ReadModifyWrite(session, _keys[Choose(random)], ValuePool.For(index)),
        };
    }

    private static string Mix(char letter) => letter switch
    {
        'A' => "50% read / 50% update",
        'B' => "95% read / 5% update",
        'C' => "100% read",
        'D' => "95% read latest / 5% insert",
        'E' => "95% scan of 1–100 keys / 5% insert",
        _ => "50% read / 50% read-modify-write",
    };

    private static async ValueTask ReadModifyWrite(IStoreSession session, byte[] key, byte[] value)
    {
        await session.GetAsync(key);
        await session.PutAsync(key, value);
    }

    private ValueTask Read(IStoreSession session, Random random) => Discard(session.GetAsync(_keys[Choose(random)]));

    private ValueTask Insert(IStoreSession session, long index) => session.PutAsync(_keys[_keys.NextInsert()], ValuePool.For(index));

    private long Choose(Random random) => _distribution == KeyDistribution.Uniform
        ? random.NextInt64(_keys.Loaded)
        : _zipfian.Value.NextScrambled(random);

    private long Latest(Random random)
    {
        var end = _keys.End;
        return _distribution == KeyDistribution.Uniform
            ? random.NextInt64(end)
            : end - 1 - Math.Min(_zipfian.Value.NextRank(random), end - 1);
    }
}
