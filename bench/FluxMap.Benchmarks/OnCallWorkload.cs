using System.Globalization;

namespace FluxMap.Benchmarks;

/// <summary>
/// The write-skew-prone mix: doctors on call in pairs, one per shift, where a doctor goes off
/// call only if the other is on (read both, write one's own: two concurrent ones on a shift are
/// the classic write skew), or back on when off; and rosters that read several doctors and add
/// the count on call to a tally of their worker's own (read-mostly, writing a key nobody else
/// reads: read-write dependencies that form no dangerous structure). Invariant: every shift has
/// a doctor on call.
/// </summary>
internal sealed class OnCallWorkload : IContendedWorkload
{
    private const double RosterShare = 0.3;
    private const int RosterReads = 8;

    private readonly HotSet _shifts = new(100, 10, 0.5);
    private readonly string[][] _doctors;

    public OnCallWorkload() =>
        _doctors = [.. Enumerable.Range(0, _shifts.Count).Select(s => new[] { Doctor(s, 'a'), Doctor(s, 'b') })];

    public string Name => "On call (write skew)";

    public string Description =>
        $"{1 - RosterShare:P0} doctor changes: read both doctors of a shift, pause, go off call if the other is on, back on if off; " +
        $"{RosterShare:P0} rosters: read {RosterReads} doctors and the worker's own tally, pause, add the count on call to the tally; " +
        $"{_shifts.Count} shifts of 2 doctors, all on call at first; each shift drawn with {_shifts}";

    public async ValueTask LoadAsync(FluxHandle<string, long> handle)
    {
        foreach (var doctor in _doctors.SelectMany(pair => pair))
        {
            await handle.InsertAsync(doctor, 1);
        }
    }

    public Func<ContendedTransaction, ValueTask> Next(Random random, int worker)
    {
        if (random.NextDouble() < RosterShare)
        {
            var read = new string[RosterReads];
            for (var i = 0; i < read.Length; i++)
            {
                read[i] = _doctors[_shifts.Next(random)][random.Next(2)];
            }

            var tally = string.Create(CultureInfo.InvariantCulture, $"roster:{worker:D3}");
            return transaction => RosterAsync(transaction, read, tally);
        }

        var shift = _doctors[_shifts.Next(random)];
        var side = random.Next(2);
        var (own, other) = (shift[side], shift[1 - side]);
        return transaction => ChangeAsync(transaction, own, other);
    }

    public async ValueTask CheckAsync(FluxHandle<string, long> handle)
    {
        foreach (var pair in _doctors)
        {
            var onCall = 0L;
            foreach (var doctor in pair)
            {
                onCall += (await handle.GetAsync(doctor)).Value;
            }

            if (onCall < 1)
            {
                throw new InvalidOperationException($"Invariant broken: neither {pair[0]} nor {pair[1]} is on call.");
            }
        }
    }

    /// <summary>A doctor goes off call if the other is on, back on if off.</summary>
    internal static async ValueTask ChangeAsync(ContendedTransaction transaction, string own, string other)
    {
        var ownOnCall = await transaction.GetAsync(own);
        var otherOnCall = await transaction.GetAsync(other);
        await ContendedTransaction.PauseAsync();
        if (ownOnCall == 0)
        {
            await transaction.SetAsync(own, 1);
        }
        else if (otherOnCall == 1)
        {
            await transaction.SetAsync(own, 0);
        }
    }

    /// <summary>Adds the count of <paramref name="doctors"/> on call to <paramref name="tally"/>.</summary>
    internal static async ValueTask RosterAsync(ContendedTransaction transaction, string[] doctors, string tally)
    {
        var onCall = 0L;
        foreach (var doctor in doctors)
        {
            onCall += await transaction.GetAsync(doctor);
        }

        var total = await transaction.GetAsync(tally);
        await ContendedTransaction.PauseAsync();
        await transaction.SetAsync(tally, total + onCall);
    }

    private static string Doctor(int shift, char side) => string.Create(CultureInfo.InvariantCulture, $"oncall:{shift:D3}:{side}");
}
