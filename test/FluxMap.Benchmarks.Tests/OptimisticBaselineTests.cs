namespace FluxMap.Benchmarks.Tests;

/// <summary>
/// The aborts benchmark's baseline: backward validation aborts a transaction whenever a key it
/// read was overwritten after its snapshot, so it prevents write skew as SSI does, and it also
/// aborts the read-write dependencies that SSI lets commit.
/// </summary>
public sealed class OptimisticBaselineTests
{
    private const string DoctorA = OnCallPair.DoctorA;
    private const string DoctorB = OnCallPair.DoctorB;
    private const string Tally = "roster:000";

    public static TheoryData<string> Controls => ["FluxMap", "baseline"];

    [Fact]
    public void Validation_refuses_the_second_of_two_transactions_in_a_write_skew()
    {
        var validator = new BackwardValidator<string>();
        long first, second;
        using (validator.Enter())
        {
            first = validator.Snapshot;
            second = validator.Snapshot;
        }

        using (validator.Enter())
        {
            Assert.True(validator.IsValid(first, [DoctorA, DoctorB]));
            validator.Committed([DoctorA]);
        }

        using (validator.Enter())
        {
            // Each read both doctors and wrote a different one: no key written twice.
            Assert.False(validator.IsValid(second, [DoctorA, DoctorB]));
        }
    }

    [Fact]
    public void Validation_passes_reads_of_keys_written_before_the_snapshot_or_not_at_all()
    {
        var validator = new BackwardValidator<string>();
        using (validator.Enter())
        {
            validator.Committed([DoctorA]);
        }

        long snapshot;
        using (validator.Enter())
        {
            snapshot = validator.Snapshot;
            validator.Committed([Tally]);
            validator.Committed([]);
        }

        using (validator.Enter())
        {
            Assert.True(validator.IsValid(snapshot, [DoctorA, DoctorB]));
            Assert.False(validator.IsValid(snapshot, [DoctorB, Tally]));
            Assert.Equal(snapshot + 1, validator.Snapshot);
        }
    }

    [Theory]
    [MemberData(nameof(Controls))]
    public async Task Two_doctors_going_off_call_at_once_cannot_both_commit(string control)
    {
        await using var pair = await OnCallPair.OpenAsync(control);

        var committed = await pair.InterleaveAsync(
            t => OnCallWorkload.ChangeAsync(t, DoctorA, DoctorB),
            t => OnCallWorkload.ChangeAsync(t, DoctorB, DoctorA));

        Assert.Equal([true, false], committed);
        Assert.Equal(0, await pair.ValueAsync(DoctorA));
        Assert.Equal(1, await pair.ValueAsync(DoctorB));
    }

    [Theory]
    [MemberData(nameof(Controls))]
    public async Task A_roster_that_read_a_doctor_changed_meanwhile_is_aborted_by_the_baseline_alone(string control)
    {
        await using var pair = await OnCallPair.OpenAsync(control);

        // The change commits first; the roster's reads are then stale, a dependency with no cycle.
        var committed = await pair.InterleaveAsync(
            t => OnCallWorkload.ChangeAsync(t, DoctorA, DoctorB),
            t => OnCallWorkload.RosterAsync(t, [DoctorA, DoctorB], Tally));

        Assert.Equal([true, !pair.IsBaseline], committed);
        Assert.Equal(pair.IsBaseline ? 0 : 2, await pair.ValueAsync(Tally));
    }

    [Fact]
    public async Task The_aborts_command_runs_both_workloads_on_both_schedules_and_keeps_their_invariants()
    {
        Assert.Equal(0, await AbortsDriver.RunAsync(["--commits", "20", "--rounds", "1", "--workers", "2,4"]));
    }
}
