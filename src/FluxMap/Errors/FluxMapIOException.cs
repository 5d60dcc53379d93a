namespace FluxMap;

/// <summary>
/// Reading or writing the database's files failed. After a failed write or sync the database
/// fails closed: the affected commits and every later one throw this exception, nothing is
/// acknowledged as durable that might not be, and reads keep working. Reopen the database to
/// recover from its files.
/// </summary>
public sealed class FluxMapIOException : FluxMapException
{
    internal FluxMapIOException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
