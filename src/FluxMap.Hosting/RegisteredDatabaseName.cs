namespace FluxMap.Hosting;

/// <summary>
/// A name one database has taken in a service collection, registered under that name as a keyed
/// service by <see cref="FluxMapRegistration.TakeName"/>: it records which method took the name,
/// so a second registration of the name is refused with a message that says which.
/// </summary>
/// <param name="registeredBy">The method that registered the database.</param>
internal sealed class RegisteredDatabaseName(string registeredBy)
{
    internal string RegisteredBy => registeredBy;
}
