using BenchmarkDotNet.Attributes;

namespace FluxMap.Benchmarks;

/// <summary>
/// A four-operation read-modify-write transaction on two random existing keys: read both, write
/// each with the other's value (a swap), commit. FluxMap runs it as a serializable transaction,
/// explicitly with <c>BeginTransaction</c> and through <c>TransactionAsync</c>; the baseline does
/// the same four operations on a <see cref="Dictionary{TKey, TValue}"/> under one lock.
/// </summary>
/// <remarks>
/// As in <see cref="WriteBenchmarks"/>, each iteration is one invocation of
/// <see cref="OpsPerInvoke"/> transactions, which bounds the versions the run leaves behind.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(3)]
[IterationCount(10)]
[InvocationCount(1, 1)]
public class TransactionBenchmarks
{
    private const int OpsPerInvoke = 50_000;

    private readonly Lock _gate = new();
    private FluxDatabase<string, string> _db = null!;
    private FluxHandle<string, string> _handle = null!;
    private Dictionary<string, string> _dictionary = null!;
    private Func<FluxTransaction<string, string>, CancellationToken, ValueTask<int>> _body = null!;
    private Func<FluxTransaction<string, string>, CancellationToken, ValueTask> _voidBody = null!;
    private string[] _keys = null!;
    private int _cursor;
    private string _first = null!;
    private string _second = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (_db, var keys, var values, var loadOrder) = await BenchmarkData.SetUpAsync();
        _handle = _db.CreateHandle();
        _dictionary = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var i in loadOrder)
        {
            _dictionary[keys[i]] = values[i];
        }

        // Transaction t uses keys 2t and 2t + 1 of a random order: two distinct random keys.
        _keys = BenchmarkData.LookupKeys(BenchmarkData.Permutation(keys.Length, BenchmarkData.Seed + 3));
        _body = SwapBodyAsync;
        _voidBody = SwapVoidBodyAsync;
        BenchmarkData.Settle();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _db.DisposeAsync();

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerInvoke, Description = "Dictionary, 2 gets + 2 sets under one lock")]
    public int DictionaryUnderLock()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + (2 * OpsPerInvoke); i += 2)
        {
            var first = _keys[i];
            var second = _keys[i + 1];
            lock (_gate)
            {
                var a = _dictionary[first];
                var b = _dictionary[second];
                _dictionary[first] = b;
                _dictionary[second] = a;
                total += a.Length;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap BeginTransaction, 2 GetAsync + 2 InsertAsync + CommitAsync")]
    public async Task<int> FluxMapBeginTransaction()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + (2 * OpsPerInvoke); i += 2)
        {
            var first = _keys[i];
            var second = _keys[i + 1];
            var tx = _handle.BeginTransaction();
            await using (tx)
            {
                var a = await tx.GetAsync(first);
                var b = await tx.GetAsync(second);
                await tx.InsertAsync(first, b.Value);
                await tx.InsertAsync(second, a.Value);
                await tx.CommitAsync();
                total += a.Value.Length;
            }
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap TransactionAsync<int>(body), same 4 ops")]
    public async Task<int> FluxMapTransactionAsyncResult()
    {
        var start = Advance();
        var total = 0;
        for (var i = start; i < start + (2 * OpsPerInvoke); i += 2)
        {
            _first = _keys[i];
            _second = _keys[i + 1];
            total += await _handle.TransactionAsync(_body);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke, Description = "FluxMap TransactionAsync(body) (no result), same 4 ops")]
    public async Task<int> FluxMapTransactionAsyncVoid()
    {
        var start = Advance();
        for (var i = start; i < start + (2 * OpsPerInvoke); i += 2)
        {
            _first = _keys[i];
            _second = _keys[i + 1];
            await _handle.TransactionAsync(_voidBody);
        }

        return start;
    }

    // Created once in setup; reads the keys of the current transaction from fields, so the
    // measured loop allocates no closure of its own.
    private async ValueTask<int> SwapBodyAsync(FluxTransaction<string, string> tx, CancellationToken cancellationToken)
    {
        var a = await tx.GetAsync(_first, cancellationToken);
        var b = await tx.GetAsync(_second, cancellationToken);
        await tx.InsertAsync(_first, b.Value, cancellationToken);
        await tx.InsertAsync(_second, a.Value, cancellationToken);
        return a.Value.Length;
    }

    private async ValueTask SwapVoidBodyAsync(FluxTransaction<string, string> tx, CancellationToken cancellationToken) =>
        await SwapBodyAsync(tx, cancellationToken);

    private int Advance()
    {
        var start = _cursor;
        _cursor = start + (2 * OpsPerInvoke) == _keys.Length ? 0 : start + (2 * OpsPerInvoke);
        return start;
    }
}
