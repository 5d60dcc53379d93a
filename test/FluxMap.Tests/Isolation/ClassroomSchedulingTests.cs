namespace FluxMap.Tests.Isolation;

/// <summary>
/// PostgreSQL's classroom-scheduling spec (src/test/isolation/specs/classroom-scheduling.spec;
/// outcomes from src/test/isolation/expected/classroom-scheduling.out), every interleaving: s1
/// books room 101 from 13:00 after finding it free, s2 moves Bob's 10:00 booking to 13:30 after
/// finding that slot free; together they double-book the room, so any overlap must fail one.
/// Bookings are keyed by room and start time (the primary key) and hold "end|who"; "starts before
/// T and ends after U" scans the room's keys up to T and filters on the end time; moving a
/// booking deletes its key and inserts the new one.
/// </summary>
public sealed class ClassroomSchedulingTests : IsolationSpecTests<string, string>
{
    private const string Day = "2010-04-01";

    private static readonly IsolationSpec<string, string> Definition = new IsolationSpec<string, string>(
            handle => IsolationSpec<string, string>.SeedAsync(handle, [(Booking("10:00"), $"{Day} 11:00|Bob")]))
        .Session("s1")
            .Step("rx1", s => CountOverlappingAsync(s, "13:00", "14:00"))
            .Step("wy1", s => s.InsertAsync(Booking("13:00"), $"{Day} 14:00|Carol"))
            .Commit("c1")
        .Session("s2")
            .Step("ry2", s => CountOverlappingAsync(s, "13:30", "14:30"))
            .Step("wx2", async s =>
            {
                var booking = await s.GetAsync(Booking("10:00"));
                if (booking.HasValue)
                {
                    await s.RemoveAsync(Booking("10:00"));
                    await s.InsertAsync(Booking("13:30"), $"{Day} 14:30|{booking.Value.Split('|')[1]}");
                }
            })
            .Commit("c2");

    public static TheoryData<string, string, string> Permutations => Definition.Outcomes(SharedOutcomes.ReadThenWriteSkew, everyInterleaving: true);

    private protected override IsolationSpec<string, string> Spec => Definition;

    private static string Booking(string start) => $"room:101:{Day} {start}";

    private static async Task<int> CountOverlappingAsync(SpecSession<string, string> session, string from, string to)
    {
        var startingBefore = await session.ScanAsync(KeyRange<string>.Between("room:101:", Booking(to), toInclusive: false));
        return startingBefore.Count(b => string.CompareOrdinal(b.Value.Split('|')[0], $"{Day} {from}") > 0);
    }
}
