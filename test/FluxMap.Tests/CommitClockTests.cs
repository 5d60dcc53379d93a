using FluxMap.Storage;
using FluxMap.Transactions;
using Microsoft.Extensions.Time.Testing;

namespace FluxMap.Tests;

/// <summary>
/// Commit timestamps, visibility and the instant snapshots judge expiry at, on the clock alone:
/// no store, no log.
/// </summary>
public sealed class CommitClockTests
{
    private readonly CommitLock _gate = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CommitClock _clock;

    public CommitClockTests() => _clock = new CommitClock(_time, _gate);

    [Fact]
    public void Timestamps_rise_by_one_and_become_visible_only_when_advanced()
    {
        _clock.Restore(41);
        using (_gate.Enter())
        {
            Assert.Equal(42, _clock.Next(recordTime: false, now: 0));
            Assert.Equal(43, _clock.Next(recordTime: false, now: 0));
        }

        Assert.Equal(43, _clock.LastCommit);
        Assert.Equal(41, _clock.Visible);
        _clock.AdvanceVisible(43);
        Assert.Equal(43, Volatile.Read(ref _clock.VisibleRef));
    }

    [Fact]
    public void Before_any_time_to_live_snapshots_never_read_the_clock()
    {
        using (_gate.Enter())
        {
            Assert.False(_clock.TimeToLiveInUse);
            Assert.Equal(long.MinValue, _clock.ExpiryClockFor(0));
            _clock.NoteTimeToLive();
            Assert.Equal(_time.GetUtcNow().UtcTicks, _clock.ExpiryClockFor(0));
        }
    }

    [Fact]
    public void A_snapshot_judges_expiry_no_later_than_the_first_commit_it_cannot_see()
    {
        using (_gate.Enter())
        {
            _clock.NoteTimeToLive();
            var first = _clock.Next(recordTime: true, now: 0);
            var firstTime = _time.GetUtcNow().UtcTicks;
            _time.Advance(TimeSpan.FromSeconds(5));
            var second = _clock.Next(recordTime: true, now: 0);
            var secondTime = _time.GetUtcNow().UtcTicks;
            _time.Advance(TimeSpan.FromSeconds(5));

            // Nothing visible yet: a snapshot at 0 must not see the world past the first commit's time.
            Assert.Equal(firstTime, _clock.ExpiryClockFor(0));

            // The first visible, the second not: bounded by the second's time, not by now.
            _clock.AdvanceVisible(first);
            Assert.Equal(secondTime, _clock.ExpiryClockFor(first));

            // Everything visible: now.
            _clock.AdvanceVisible(second);
            Assert.Equal(_time.GetUtcNow().UtcTicks, _clock.ExpiryClockFor(second));
        }
    }

    [Fact]
    public void A_commit_notes_the_time_its_caller_read_rather_than_reading_again()
    {
        using (_gate.Enter())
        {
            _clock.NoteTimeToLive();
            var read = _time.GetUtcNow().UtcTicks;
            _time.Advance(TimeSpan.FromMinutes(1));
            _clock.Next(recordTime: true, now: read);
            Assert.Equal(read, _clock.ExpiryClockFor(0));
        }
    }

    [Fact]
    public void Time_to_lives_are_answered_on_the_database_clock()
    {
        var deadline = _clock.DeadlineAfter(TimeSpan.FromSeconds(30));
        var expiring = VersionEntry<int>.Create(1, 7, isTombstone: false, deadline, null);
        Assert.True(_clock.IsLiveNow(expiring));
        Assert.Equal(TimeSpan.FromSeconds(30), _clock.TimeToLiveOf(expiring).Value);

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(_clock.IsLiveNow(expiring));
        Assert.Equal(TimeSpan.Zero, _clock.TimeToLiveOf(expiring).Value);
        Assert.False(_clock.TimeToLiveOf<int>(null).HasValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => _clock.DeadlineAfter(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => _clock.DeadlineAfter(TimeSpan.MaxValue));
    }
}
