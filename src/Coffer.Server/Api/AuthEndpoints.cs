using System.Security.Claims;
using Coffer.Core.Accounts;
using Coffer.Core.Quotas;
using Coffer.Server.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coffer.Server.Api;

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName);
public sealed record RegisteredDto(Guid Id, string Email);
public sealed record CreateTokenRequest(string? Email, string? Password, string? Name);
public sealed record NewTokenDto(Guid Id, string Name, string Token);
public sealed record TokenDto(Guid Id, string Name, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Expires);
public sealed record TokenListDto(IReadOnlyList<TokenDto> Items);
public sealed record MeDto(Guid Id, string Email, string? DisplayName, bool IsAdmin, long? QuotaBytes, long UsedBytes);

/// <summary>Registration, personal access tokens and the caller's own account.</summary>
public static class AuthEndpoints
{
    public static RouteGroupBuilder MapAuthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup("/auth").WithTags("Accounts");
        auth.MapPost("/register", Register);
        auth.MapPost("/tokens", CreateToken);
        return auth;
    }

    public static RouteGroupBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("").WithTags("Accounts");
        account.MapGet("/me", Me);
        account.MapGet("/tokens", ListTokens);
        account.MapDelete("/tokens/{id}", RevokeToken);
        return account;
    }

    public static async Task<Created<RegisteredDto>> Register(RegisterRequest body, AccountService accounts, CancellationToken cancellationToken)
    {
        var user = await accounts.RegisterAsync(body.Email, body.Password, body.DisplayName, cancellationToken);
        return TypedResults.Created("/api/v1/me", new RegisteredDto(user.Id, user.Email));
    }

    public static async Task<Created<NewTokenDto>> CreateToken(CreateTokenRequest body, AccessTokenService tokens, CancellationToken cancellationToken)
    {
        var token = await tokens.CreateAsync(body.Email, body.Password, body.Name, cancellationToken);
        return TypedResults.Created($"/api/v1/tokens/{token.Info.Id}", new NewTokenDto(token.Info.Id, token.Info.Name, token.Secret));
    }

    /// <summary>The caller's account; quotaBytes is the quota that applies (theirs or the default), null when unlimited.</summary>
    public static async Task<Ok<MeDto>> Me(ClaimsPrincipal principal, AccountService accounts, QuotaService quotas, CancellationToken cancellationToken)
    {
        var user = await accounts.GetAsync(principal.UserId(), cancellationToken);
        var usage = await quotas.UsageAsync(user.Id, cancellationToken);
        return TypedResults.Ok(new MeDto(user.Id, user.Email, user.DisplayName, user.IsAdmin, usage.QuotaBytes, usage.UsedBytes));
    }

    public static async Task<Ok<TokenListDto>> ListTokens(ClaimsPrincipal principal, AccessTokenService tokens, CancellationToken cancellationToken)
    {
        var list = await tokens.ListAsync(principal.UserId(), cancellationToken);
        return TypedResults.Ok(new TokenListDto([.. list.Select(t => new TokenDto(t.Id, t.Name, t.Created, t.LastUsed, t.Expires))]));
    }

    public static async Task<NoContent> RevokeToken(string id, ClaimsPrincipal principal, AccessTokenService tokens, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var tokenId))
            throw new Core.NotFoundException("No such token.");
        await tokens.RevokeAsync(principal.UserId(), tokenId, cancellationToken);
        return TypedResults.NoContent();
    }
}
