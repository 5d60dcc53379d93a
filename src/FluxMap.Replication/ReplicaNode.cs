using System.Net;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using FluxMap.Replication.Diagnostics;
using FluxMap.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FluxMap.Replication;

/// <summary>
/// One member: its Raft log (DotNext's <see cref="WriteAheadLog"/>), the state machine applying
/// it to the database, the TCP Raft cluster, and the loop that turns leadership into a session
/// that takes commits. Start order: the Raft log replays what it holds into the commit log's
/// memory, the database opens on it, then the member joins the cluster.
/// </summary>
internal sealed class ReplicaNode<TKey, TValue> : IAsyncDisposable
    where TKey : notnull
{
    private readonly ReplicationOptions _options;
    private readonly EngineHost<TKey, TValue> _host;
    private readonly ReplicaStateMachine<TKey, TValue> _machine;
    private readonly WriteAheadLog _log;
    private readonly CancellationTokenSource _lifetime = new();
    private RaftCluster? _cluster;
    private ReplicationMetrics? _metrics;
    private Task _leading = Task.CompletedTask;
    private int _disposed;

    private ReplicaNode(ReplicationOptions options, EngineHost<TKey, TValue> host)
    {
        _options = options;
        _host = host;
        _machine = new ReplicaStateMachine<TKey, TValue>(host, Path.Combine(options.LogDirectory!, "snapshots"), options.SnapshotInterval);
        _log = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(options.LogDirectory!, "raft") }, _machine);
        Forwarding = new CommitForwarding<TKey, TValue>(options, this);
    }

    internal EngineHost<TKey, TValue> Host => _host;

    internal ReplicaStateMachine<TKey, TValue> Machine => _machine;

    internal RaftCluster Cluster => _cluster ?? throw new InvalidOperationException("The member has not joined its cluster.");

    /// <summary>Gets the cluster once the member joined it, null before.</summary>
    internal RaftCluster? JoinedCluster => _cluster;

    internal bool IsClosed => Volatile.Read(ref _disposed) == 1;

    internal WriteAheadLog RaftLog => _log;

    internal bool IsLeading => _host.Session.IsLeading;

    internal CommitForwarding<TKey, TValue> Forwarding { get; }

    /// <summary>
    /// Gets the newest commit a new transaction here sees, or -1 while the member shows nothing:
    /// it replaces its state, or it rebuilt it and its safe point has not reached it again.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The member closed.</exception>
    internal long Shown
    {
        get
        {
            if (_host.Current is not { } database)
            {
                return -1;
            }

            var visible = Volatile.Read(ref database.Engine.Clock.VisibleRef);
            return IsLeading || _machine.Safe >= visible ? visible : -1;
        }
    }

    internal static async Task<ReplicaNode<TKey, TValue>> StartAsync(
        ReplicationOptions options, FluxDatabaseBuilder<TKey, TValue> builder, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var validation = new ReplicationOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(ReplicationOptions), validation.Failures);
        }

        // Replicated commits are published once a majority holds them (Full), and the data file is
        // the snapshot. Expired keys are swept by the leader alone (its commit log takes commits only
        // while it leads): the sweep is a commit like any other, and followers install its tombstones.
        builder.Configure(o =>
        {
            o.Durability = DurabilityMode.Full;
            o.UseDataFile = true;
        });
        var codec = new WalCodec<TKey, TValue>(builder.SerializerOptions);
        ReplicaNode<TKey, TValue>? node = null;
        var source = new RaftCommitLog<TKey, TValue>(codec, () => node!._host.Database.Engine.Transactions.ReadHorizon());
        builder.WithCommitLog(source);
        var host = new EngineHost<TKey, TValue>((_, ct) => builder.OpenAsync(ct), source, Path.GetFullPath(builder.Options.DataDirectory!));
        node = new ReplicaNode<TKey, TValue>(options, host);
        try
        {
            await node._log.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await host.OpenAsync(cancellationToken).ConfigureAwait(false);
            await node._machine.GoLiveAsync(cancellationToken).ConfigureAwait(false);
            node._cluster = CreateCluster(options, loggerFactory, node._log);
            node._metrics = new ReplicationMetrics(builder.MeterFactory, builder.Name, () => ReplicationStatus.Of(node));
            node._cluster.LeaderChanged += (_, leader) =>
            {
                node._metrics.LeaderChanged(leader is not null);
                host.Changed.Pulse();
            };
            node.Forwarding.Server.Start();
            await node._cluster.StartAsync(cancellationToken).ConfigureAwait(false);
            node._leading = Task.Run(node.LeadLoopAsync, CancellationToken.None);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static RaftCluster CreateCluster(ReplicationOptions options, ILoggerFactory loggerFactory, WriteAheadLog log)
    {
        var configuration = new RaftCluster.TcpConfiguration(IPEndPoint.Parse(options.LocalEndPoint!))
        {
            LowerElectionTimeout = (int)options.LowerElectionTimeout.TotalMilliseconds,
            UpperElectionTimeout = (int)options.UpperElectionTimeout.TotalMilliseconds,
            RequestTimeout = options.RequestTimeout,
            LoggerFactory = loggerFactory,
            ConfigurationStorage = null,

            // Null: DotNext announces the address it listens on.
            PublicEndPoint = options.PublicEndPoint is null ? null : IPEndPoint.Parse(options.PublicEndPoint),
        };

        var members = (InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage!;
        var initial = members.CreateInitialConfigurationBuilder();
        foreach (var member in options.Members)
        {
            initial.Add(IPEndPoint.Parse(member));
        }

        initial.Build();
        return new RaftCluster(configuration) { AuditTrail = log };
    }

    /// <summary>
    /// DotNext's read barrier, carried across a change of leader: a barrier sent to a leader that
    /// just went away fails at once, and the next leader is only known after an election timeout.
    /// </summary>
    /// <exception cref="TimeoutException">No leader answered within <see cref="ReadBarrierTimeout"/>.</exception>
    internal async ValueTask ReadBarrierAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ReadBarrierTimeout);
        string? failure = null;
        try
        {
            while (true)
            {
                var leader = Cluster.Leader;
                try
                {
                    await Cluster.ApplyReadBarrierAsync(ReadBarrierType.Strong, bounded.Token).ConfigureAwait(false);

                    // The barrier takes the leader's commit index, which a new leader has not moved
                    // past earlier terms' entries until its own first entry commits: a commit the
                    // old leader acknowledged may not be here yet. An entry of this term applied
                    // here brings every entry committed before the term began.
                    var term = Cluster.Term;
                    await _host.Changed.WaitAsync(() => _machine.AppliedTerm >= term, bounded.Token).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is LeaderOperationException or MemberUnavailableException)
                {
                    // Try again once another member leads, or after an election timeout: the same
                    // leader may answer then, and no leader is known during an election.
                    failure = e.Message;
                    await _host.Changed.WaitAsync(() => Cluster.Leader is { } next && !ReferenceEquals(next, leader), _options.UpperElectionTimeout, bounded.Token)
                        .ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && bounded.IsCancellationRequested)
        {
            // Not DotNext's exception: callers (an Orleans silo among them) need not know its types.
            throw new TimeoutException(
                $"No leader confirmed a read barrier within {ReadBarrierTimeout} ({failure ?? "no answer"}): this member may be cut off from a majority of its cluster.");
        }
    }

    // Time to notice a lost leader (an election timeout), to elect the next (another, more on a
    // split vote) and for it to answer.
    private TimeSpan ReadBarrierTimeout => _options.RequestTimeout + (2 * _options.UpperElectionTimeout);

    // Each term this member wins: wait until the term's first entry is applied (every earlier
    // entry is then too), then lead until the term ends.
    private async Task LeadLoopAsync()
    {
        var lifetime = _lifetime.Token;
        while (!lifetime.IsCancellationRequested)
        {
            try
            {
                var leadership = await Cluster.WaitForLeadershipAsync(lifetime).ConfigureAwait(false);
                var loop = await _machine.LeadAsync(Cluster.Term, ReplicateAsync, _options.MaxCommitsPerEntry, leadership).ConfigureAwait(false);
                _host.Changed.Pulse();
                await loop.ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, leadership).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException)
            {
                // The term ended before this member was ready to lead, or the member is closing.
            }
            catch (ObjectDisposedException) when (lifetime.IsCancellationRequested)
            {
                return;
            }

            _host.Session.StopLeading();
            _host.Changed.Pulse();
        }
    }

    private ValueTask ReplicateAsync(CommitBatch<TKey, TValue> batch, byte[] entry, CancellationToken leadership) =>
        _metrics!.TimeReplication(() => Cluster.ReplicateAsync(new BinaryLogEntry { Term = batch.Term, Content = entry, Context = batch }, leadership));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _metrics?.Dispose();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _host.Source.Session?.StopLeading(closing: true);

        // Transactions this member forwarded fail now; those it took from others end with its database.
        await Forwarding.StopAsync().ConfigureAwait(false);
        if (_cluster is not null)
        {
            await _cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _leading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _machine.StopAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }

        await _log.DisposeAsync().ConfigureAwait(false);
        _host.Source.Abandon();
        await _host.DisposeAsync().ConfigureAwait(false);
        await Forwarding.DisposeAsync().ConfigureAwait(false);
        _machine.Dispose();
        _lifetime.Dispose();
    }
}
