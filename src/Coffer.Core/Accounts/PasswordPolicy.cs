namespace Coffer.Core.Accounts;

/// <summary>Length is what makes a password strong; composition rules mostly make people write them down.</summary>
public static class PasswordPolicy
{
    public const int MinLength = 8;

    /// <summary>Generous: pass phrases and password managers must fit; bounded so a request cannot make hashing slow.</summary>
    public const int MaxLength = 1024;

    public static void Check(string? password)
    {
        if (string.IsNullOrEmpty(password))
            throw new InvalidInputException("A password is required.", field: "password");
        if (password.Length < MinLength)
            throw new InvalidInputException($"The password must be at least {MinLength} characters long.", field: "password");
        if (password.Length > MaxLength)
            throw new InvalidInputException($"The password can be at most {MaxLength} characters long.", field: "password");
    }
}
