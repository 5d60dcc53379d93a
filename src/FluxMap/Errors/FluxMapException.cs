namespace FluxMap;

/// <summary>The base of every error FluxMap raises about the database itself (not about misuse).</summary>
public abstract class FluxMapException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="FluxMapException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    protected FluxMapException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Gets a value indicating whether trying the same work again may succeed.</summary>
    public virtual bool IsTransient => false;
}
