using System.Reflection;
using static FluxMap.Tests.Fixture;

namespace FluxMap.Tests;

/// <summary>Every public method that takes a <see cref="CancellationToken"/> refuses an already cancelled one before doing anything.</summary>
public sealed class CancellationTests : IDisposable
{
    private static readonly CancellationToken Cancelled = new(canceled: true);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, DurabilityMode> Methods() =>
    [
        .. Targets().SelectMany(t => t.Type.GetMethods(t.Flags)).Where(TakesToken).Select(Describe).Distinct().Order()
            .SelectMany(method => new[] { (method, DurabilityMode.InMemory), (method, DurabilityMode.Full) }),
    ];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task An_already_cancelled_token_is_refused_before_any_work(string method, DurabilityMode durability)
    {
        var options = new FluxMapOptions
        {
            Durability = durability,
            DataDirectory = durability == DurabilityMode.InMemory ? null : _dir.Path,
            VacuumInterval = TimeSpan.Zero,
        };
        await using var db = await FluxDatabase.OpenAsync<string, long>(options, Ct);
        var handle = db.CreateHandle();
        await handle.InsertAsync("old", 1, Ct);
        await handle.RemoveAsync("old", Ct); // something for vacuum to reclaim
        var statistics = db.GetStatistics();
        await using var tx = handle.BeginTransaction();
        var info = Targets().SelectMany(t => t.Type.GetMethods(t.Flags)).First(m => TakesToken(m) && Describe(m) == method);
        object? target = info.IsStatic ? null : info.DeclaringType == typeof(FluxDatabase<string, long>) ? db
            : info.DeclaringType == typeof(FluxHandle<string, long>) ? handle
            : info.DeclaringType == typeof(FluxTransaction<string, long>) ? tx
            : FluxDatabase.CreateBuilder<string, long>().WithOptions(options);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InvokeAsync(Close(info), target, handle));

        Assert.False((await handle.GetAsync("k", Ct)).HasValue);
        var after = db.GetStatistics();
        Assert.Equal((statistics.Commits, statistics.VacuumRuns, statistics.Checkpoints), (after.Commits, after.VacuumRuns, after.Checkpoints));
        Assert.Equal(TransactionStatus.Active, tx.Status);
    }

    private static IEnumerable<(Type Type, BindingFlags Flags)> Targets() =>
    [
        (typeof(FluxDatabase<string, long>), BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly),
        (typeof(FluxHandle<string, long>), BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly),
        (typeof(FluxTransaction<string, long>), BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly),
        (typeof(FluxDatabaseBuilder<string, long>), BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly),
        (typeof(FluxDatabase), BindingFlags.Public | BindingFlags.Static),
        (typeof(FluxHandleExtensions), BindingFlags.Public | BindingFlags.Static),
    ];

    private static bool TakesToken(MethodInfo method) => method.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken));

    private static string Describe(MethodInfo method) =>
        $"{method.DeclaringType!.Name.Split('`')[0]}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name.Split('`')[0]))})";

    private static MethodInfo Close(MethodInfo method) => method switch
    {
        { IsGenericMethodDefinition: false } => method,
        { Name: nameof(FluxDatabase.OpenAsync) } => method.MakeGenericMethod(typeof(string), typeof(long)),
        { Name: nameof(FluxHandleExtensions.IncrementAsync) } => method.MakeGenericMethod(typeof(string)),
        _ => method.MakeGenericMethod(typeof(int)),
    };

    // The call's own arguments are valid ones; only the token is cancelled.
    private static object? Argument(ParameterInfo parameter, FluxHandle<string, long> handle) => parameter.ParameterType switch
    {
        var t when t == typeof(CancellationToken) => Cancelled,
        var t when t == typeof(FluxHandle<string, long>) => handle, // an extension method's receiver
        var t when t == typeof(string) => "k",
        var t when t == typeof(long) => 1L,
        var t when t == typeof(TimeSpan) => TimeSpan.FromMinutes(1),
        var t when t == typeof(KeyRange<string>) => KeyRange<string>.All,
        var t when t == typeof(Stream) => new MemoryStream(),
        var t when t == typeof(ScanDirection) => ScanDirection.Forward,
        var t when t == typeof(Func<FluxValue<long>, long>) => (Func<FluxValue<long>, long>)(_ => 1),
        var t when t == typeof(Func<FluxTransaction<string, long>, CancellationToken, ValueTask>) =>
            (Func<FluxTransaction<string, long>, CancellationToken, ValueTask>)((tx, ct) => tx.InsertAsync("k", 1, ct)),
        var t when t == typeof(Func<FluxTransaction<string, long>, CancellationToken, ValueTask<int>>) =>
            (Func<FluxTransaction<string, long>, CancellationToken, ValueTask<int>>)(async (tx, ct) =>
            {
                await tx.InsertAsync("k", 1, ct);
                return 1;
            }),
        var t when !t.IsValueType => null, // options: the defaults
        var t => throw new NotSupportedException($"No argument for {t}: add one for the new method."),
    };

    private static async Task InvokeAsync(MethodInfo method, object? target, FluxHandle<string, long> handle)
    {
        object? result;
        try
        {
            result = method.Invoke(target, [.. method.GetParameters().Select(p => Argument(p, handle))]);
        }
        catch (TargetInvocationException e)
        {
            throw e.InnerException!;
        }

        switch (result)
        {
            case Task task:
                await task;
                break;
            case ValueTask valueTask:
                await valueTask;
                break;
            case IAsyncEnumerable<KeyValuePair<string, long>> scan:
                await foreach (var _ in scan)
                {
                }

                break;
            case null:
                break;
            default:
                // ValueTask<T>: AsTask through reflection, whatever T is.
                await (Task)result.GetType().GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(result, null)!;
                break;
        }
    }
}
