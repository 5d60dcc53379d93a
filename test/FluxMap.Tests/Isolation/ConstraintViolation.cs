namespace FluxMap.Tests.Isolation;

/// <summary>
/// A step's own integrity check failed (a unique key or a foreign key that a spec enforces in SQL):
/// the session's transaction is rolled back, as PostgreSQL rolls back on any error.
/// </summary>
internal sealed class ConstraintViolation : Exception
{
    public ConstraintViolation()
        : this("constraint")
    {
    }

    public ConstraintViolation(string constraint)
        : base($"{constraint} violated") => Constraint = constraint;

    public ConstraintViolation(string constraint, Exception innerException)
        : base($"{constraint} violated", innerException) => Constraint = constraint;

    /// <summary>The short name the expected outcomes use, as in "s2:unique".</summary>
    public string Constraint { get; }
}
