using FluxMap.DataFile;

namespace FluxMap.Tests.DataFile;

/// <summary>The data file's free-space manager: best fit, growth, coalescing, and refusing double frees.</summary>
public sealed class ExtentAllocatorTests
{
    private const long First = 2;

    /// <summary>An allocator whose file holds free extents of the given sizes, each fenced off by one allocated block.</summary>
    private static (ExtentAllocator Allocator, long[] Starts) WithFreeExtents(params int[] sizes)
    {
        var allocator = new ExtentAllocator(First);
        var starts = new long[sizes.Length];
        for (var i = 0; i < sizes.Length; i++)
        {
            starts[i] = allocator.Allocate(sizes[i]);
            _ = allocator.Allocate(1);
        }

        for (var i = 0; i < sizes.Length; i++)
        {
            allocator.Release(starts[i], sizes[i]);
        }

        return (allocator, starts);
    }

    [Fact]
    public void A_new_allocator_grows_the_file_from_its_first_block()
    {
        var allocator = new ExtentAllocator(First);
        Assert.Equal(First, allocator.EndBlock);
        Assert.Equal(0, allocator.FreeBlocks);
        Assert.Equal(0, allocator.FreeExtentCount);

        Assert.Equal(First, allocator.Allocate(3));
        Assert.Equal(First + 3, allocator.Allocate(5));
        Assert.Equal(First + 8, allocator.EndBlock);
        Assert.Equal(0, allocator.FreeBlocks);
        Assert.Empty(allocator.FreeExtents);
    }

    [Fact]
    public void Best_fit_takes_the_smallest_extent_that_holds_the_request()
    {
        var (allocator, starts) = WithFreeExtents(8, 3, 5, 4);
        var end = allocator.EndBlock;

        Assert.Equal(starts[3], allocator.Allocate(4)); // exact fit beats the larger 5 and 8
        Assert.Equal(starts[2], allocator.Allocate(4)); // 5 is now the smallest that holds 4
        Assert.Equal(starts[1], allocator.Allocate(2)); // 3 holds 2
        Assert.Equal(end, allocator.EndBlock);
    }

    [Fact]
    public void The_smallest_and_the_largest_free_extent_are_the_ones_best_fit_would_take()
    {
        var (allocator, starts) = WithFreeExtents(8, 3, 5);
        Assert.Equal(8, allocator.LargestFreeExtent);
        Assert.Equal(3, allocator.SmallestFreeExtent(1));
        Assert.Equal(5, allocator.SmallestFreeExtent(4));
        Assert.Equal(0, allocator.SmallestFreeExtent(9));

        Assert.Equal(starts[2], allocator.Allocate(4));
        Assert.Equal(1, allocator.SmallestFreeExtent(1));
        _ = allocator.Allocate(8);
        Assert.Equal(3, allocator.LargestFreeExtent);
        Assert.Equal(0, new ExtentAllocator(First).LargestFreeExtent);
    }

    [Fact]
    public void Best_fit_prefers_the_lowest_start_among_equal_sizes()
    {
        var (allocator, starts) = WithFreeExtents(6, 4, 6, 4);
        Assert.Equal(starts[1], allocator.Allocate(3));
        Assert.Equal(starts[3], allocator.Allocate(4));
        Assert.Equal(starts[0], allocator.Allocate(5));
    }

    [Fact]
    public void The_remainder_of_a_split_extent_stays_free_at_the_higher_offsets()
    {
        var (allocator, starts) = WithFreeExtents(10);
        Assert.Equal(starts[0], allocator.Allocate(3));
        Assert.Equal([(starts[0] + 3, 7L)], allocator.FreeExtents);
        Assert.Equal(7, allocator.FreeBlocks);

        Assert.Equal(starts[0] + 3, allocator.Allocate(7));
        Assert.Empty(allocator.FreeExtents);
        Assert.Equal(0, allocator.FreeBlocks);
    }

    [Fact]
    public void A_request_nothing_holds_grows_the_file_at_its_end()
    {
        var (allocator, starts) = WithFreeExtents(3, 2);
        var end = allocator.EndBlock;

        Assert.Equal(end, allocator.Allocate(4));
        Assert.Equal(end + 4, allocator.EndBlock);
        Assert.Equal([(starts[0], 3L), (starts[1], 2L)], allocator.FreeExtents);
    }

    [Fact]
    public void Growth_starts_at_a_free_tail_so_the_tail_is_not_stranded()
    {
        var allocator = new ExtentAllocator(First);
        var a = allocator.Allocate(4);
        var tail = allocator.Allocate(3);
        allocator.Release(tail, 3);
        Assert.Equal(tail + 3, allocator.EndBlock); // releasing the tail keeps the file's length

        Assert.Equal(tail, allocator.Allocate(5));
        Assert.Equal(tail + 5, allocator.EndBlock);
        Assert.Equal(0, allocator.FreeBlocks);
        Assert.Equal(First, a);
    }

    [Fact]
    public void Growth_ignores_a_free_extent_that_does_not_reach_the_end()
    {
        var allocator = new ExtentAllocator(First);
        var hole = allocator.Allocate(3);
        var fence = allocator.Allocate(1);
        allocator.Release(hole, 3);

        Assert.Equal(fence + 1, allocator.Allocate(5));
        Assert.Equal([(hole, 3L)], allocator.FreeExtents);
    }

    [Fact]
    public void Release_merges_with_a_free_left_neighbour()
    {
        var allocator = new ExtentAllocator(First);
        var a = allocator.Allocate(2);
        var b = allocator.Allocate(3);
        _ = allocator.Allocate(1);
        allocator.Release(a, 2);
        allocator.Release(b, 3);
        Assert.Equal([(a, 5L)], allocator.FreeExtents);
        Assert.Equal(5, allocator.FreeBlocks);
    }

    [Fact]
    public void Release_merges_with_a_free_right_neighbour()
    {
        var allocator = new ExtentAllocator(First);
        var a = allocator.Allocate(2);
        var b = allocator.Allocate(3);
        _ = allocator.Allocate(1);
        allocator.Release(b, 3);
        allocator.Release(a, 2);
        Assert.Equal([(a, 5L)], allocator.FreeExtents);
        Assert.Equal(5, allocator.FreeBlocks);
    }

    [Fact]
    public void Release_merges_with_both_neighbours_into_one_extent()
    {
        var allocator = new ExtentAllocator(First);
        var a = allocator.Allocate(2);
        var b = allocator.Allocate(3);
        var c = allocator.Allocate(4);
        _ = allocator.Allocate(1);
        allocator.Release(a, 2);
        allocator.Release(c, 4);
        Assert.Equal(2, allocator.FreeExtentCount);

        allocator.Release(b, 3);
        Assert.Equal([(a, 9L)], allocator.FreeExtents);
        Assert.Equal(1, allocator.FreeExtentCount);
        Assert.Equal(9, allocator.FreeBlocks);
    }

    [Fact]
    public void Release_keeps_a_merged_extent_that_reaches_the_end_free_without_shrinking_the_file()
    {
        var allocator = new ExtentAllocator(First);
        var a = allocator.Allocate(2);
        var b = allocator.Allocate(3);
        var end = allocator.EndBlock;
        allocator.Release(b, 3);
        allocator.Release(a, 2);
        Assert.Equal(end, allocator.EndBlock);
        Assert.Equal([(First, 5L)], allocator.FreeExtents);
    }

    [Theory]
    [InlineData(0, 3)] // the exact extent again
    [InlineData(1, 1)] // inside it
    [InlineData(-1, 2)] // overlapping its start from an allocated block
    [InlineData(3, 2)] // overlapping its end into an allocated block
    public void Releasing_free_blocks_again_throws_and_names_the_extent(int offset, int blocks)
    {
        var allocator = new ExtentAllocator(First);
        _ = allocator.Allocate(2);
        var freed = allocator.Allocate(4);
        _ = allocator.Allocate(2);
        allocator.Release(freed, 4);
        var before = allocator.FreeExtents.ToList();

        var start = freed + offset;
        var error = Assert.Throws<InvalidOperationException>(() => allocator.Release(start, blocks));
        Assert.Contains($"extent at block {start} of {blocks} blocks", error.Message, StringComparison.Ordinal);
        Assert.Contains("already free", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, allocator.FreeExtents);
    }

    [Theory]
    [InlineData(0, 1)] // the headers
    [InlineData(1, 2)] // straddling the first block
    [InlineData(7, 2)] // straddling the end
    [InlineData(8, 1)] // past the end
    public void Releasing_outside_the_file_throws_and_names_the_extent(long start, int blocks)
    {
        var allocator = new ExtentAllocator(First);
        _ = allocator.Allocate(6); // blocks 2..7

        var error = Assert.Throws<InvalidOperationException>(() => allocator.Release(start, blocks));
        Assert.Contains($"extent at block {start} of {blocks} blocks", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the file", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, allocator.FreeBlocks);
    }

    [Fact]
    public void Caller_mistakes_are_argument_errors()
    {
        var allocator = new ExtentAllocator(First);
        _ = allocator.Allocate(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Allocate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Allocate(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Release(First, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExtentAllocator(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExtentAllocator.Rebuild(10, 9, []));
    }

    [Fact]
    public void Rebuild_frees_every_gap_between_allocated_extents()
    {
        // Unordered input, and two adjacent allocated extents (20 and 23) that leave no gap between them.
        var allocator = ExtentAllocator.Rebuild(First, 40, [(23, 2), (10, 5), (20, 3), (30, 4)]);

        Assert.Equal(40, allocator.EndBlock);
        Assert.Equal([(2L, 8L), (15L, 5L), (25L, 5L), (34L, 6L)], allocator.FreeExtents);
        Assert.Equal(24, allocator.FreeBlocks);

        Assert.Equal(15, allocator.Allocate(5)); // best fit, lowest start among the two fives
        Assert.Equal(25, allocator.Allocate(5));
        Assert.Equal(34, allocator.Allocate(9)); // nothing fits: growth starts at the free tail
        Assert.Equal(43, allocator.EndBlock);
        Assert.Equal([(2L, 8L)], allocator.FreeExtents);
    }

    [Fact]
    public void Rebuild_with_nothing_allocated_frees_the_whole_file_as_one_extent()
    {
        var allocator = ExtentAllocator.Rebuild(First, 100, []);
        Assert.Equal([(First, 98L)], allocator.FreeExtents);

        var empty = ExtentAllocator.Rebuild(First, First, []);
        Assert.Empty(empty.FreeExtents);
        Assert.Equal(First, empty.Allocate(1));
    }

    [Fact]
    public void Rebuild_with_everything_allocated_has_no_free_space()
    {
        var allocator = ExtentAllocator.Rebuild(First, 10, [(2, 4), (6, 4)]);
        Assert.Empty(allocator.FreeExtents);
        Assert.Equal(10, allocator.Allocate(1));
    }

    [Fact]
    public void Rebuild_throws_on_overlapping_extents_and_names_both()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ExtentAllocator.Rebuild(First, 40, [(30, 2), (10, 5), (14, 3)]));
        Assert.Contains("extent at block 14 of 3 blocks", error.Message, StringComparison.Ordinal);
        Assert.Contains("extent at block 10 of 5 blocks", error.Message, StringComparison.Ordinal);

        var same = Assert.Throws<InvalidOperationException>(() => ExtentAllocator.Rebuild(First, 40, [(10, 2), (10, 2)]));
        Assert.Contains("overlaps", same.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 2)] // into the headers
    [InlineData(38, 3)] // past the end
    [InlineData(10, 0)] // empty
    public void Rebuild_throws_on_an_extent_outside_the_file(long start, int blocks)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ExtentAllocator.Rebuild(First, 40, [(start, blocks)]));
        Assert.Contains($"extent at block {start} of {blocks} blocks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_allocations_and_releases_match_a_block_map()
    {
        var random = new Random(20240917);
        var allocator = new ExtentAllocator(First);
        var used = new List<bool>(); // used[i] is block First + i
        var live = new List<(long Start, int Blocks)>();
        var runs = new List<(long Start, long Blocks)>(); // the free runs the block map implies

        for (var step = 0; step < 20_000; step++)
        {
            // Lean towards allocation early and towards release late, so the file both grows and fragments.
            var allocate = live.Count == 0 || random.Next(100) < (step < 10_000 ? 60 : 45);
            if (allocate)
            {
                var blocks = random.Next(8) == 0 ? random.Next(1, 65) : random.Next(1, 9);
                var expected = ExpectedBestFit(runs, allocator.EndBlock, blocks);
                var start = allocator.Allocate(blocks);
                Assert.Equal(expected, start);
                for (var b = start; b < start + blocks; b++)
                {
                    var i = (int)(b - First);
                    while (used.Count <= i)
                    {
                        used.Add(false);
                    }

                    Assert.False(used[i], $"step {step}: block {b} handed out twice");
                    used[i] = true;
                }

                live.Add((start, blocks));
            }
            else
            {
                var index = random.Next(live.Count);
                var (start, blocks) = live[index];
                live[index] = live[^1];
                live.RemoveAt(live.Count - 1);
                allocator.Release(start, blocks);
                for (var b = start; b < start + blocks; b++)
                {
                    used[(int)(b - First)] = false;
                }

                if (step % 97 == 0)
                {
                    var error = Assert.Throws<InvalidOperationException>(() => allocator.Release(start, blocks));
                    Assert.Contains("already free", error.Message, StringComparison.Ordinal);
                }
            }

            Assert.Equal(First + used.Count, allocator.EndBlock);
            runs = FreeRuns(used);
            CheckAgainstModel(allocator, runs, step);
        }

        // A rebuild from the live extents reaches the same free list.
        var rebuilt = ExtentAllocator.Rebuild(First, allocator.EndBlock, live);
        Assert.Equal(allocator.FreeExtents, rebuilt.FreeExtents);
        Assert.Equal(allocator.FreeBlocks, rebuilt.FreeBlocks);

        // Releasing everything leaves one free extent covering the whole file.
        foreach (var (start, blocks) in live)
        {
            allocator.Release(start, blocks);
        }

        Assert.Equal([(First, allocator.EndBlock - First)], allocator.FreeExtents);
    }

    /// <summary>The free extents the block map implies must be exactly the allocator's: same runs, so fully coalesced.</summary>
    private static void CheckAgainstModel(ExtentAllocator allocator, List<(long Start, long Blocks)> expected, int step)
    {
        var actual = allocator.FreeExtents.ToList();
        Assert.True(expected.SequenceEqual(actual), $"step {step}: free extents differ from the block map");
        Assert.Equal(expected.Sum(r => r.Blocks), allocator.FreeBlocks);
        Assert.Equal(expected.Count, allocator.FreeExtentCount);
        for (var i = 1; i < actual.Count; i++)
        {
            Assert.True(actual[i - 1].Start + actual[i - 1].Blocks < actual[i].Start, $"step {step}: free extents touch or overlap");
        }
    }

    private static List<(long Start, long Blocks)> FreeRuns(List<bool> used)
    {
        var runs = new List<(long Start, long Blocks)>();
        for (var i = 0; i < used.Count;)
        {
            if (used[i])
            {
                i++;
                continue;
            }

            var from = i;
            while (i < used.Count && !used[i])
            {
                i++;
            }

            runs.Add((First + from, i - from));
        }

        return runs;
    }

    /// <summary>The reference policy, by linear scan: smallest run that fits, lowest start on ties, else the end (or a free tail).</summary>
    private static long ExpectedBestFit(List<(long Start, long Blocks)> runs, long endBlock, int blocks)
    {
        var best = runs.Where(r => r.Blocks >= blocks).OrderBy(r => r.Blocks).ThenBy(r => r.Start).FirstOrDefault();
        if (best.Blocks > 0)
        {
            return best.Start;
        }

        return runs.Count > 0 && runs[^1].Start + runs[^1].Blocks == endBlock ? runs[^1].Start : endBlock;
    }
}
