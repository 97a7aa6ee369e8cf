using System.Net;
using System.Text.Json;

namespace Coffer.Server.Tests.Infrastructure;

public static class Problem
{
    /// <summary>Asserts an RFC 9457 problem document with the status, and the field when given; returns it.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        if (field is not null)
            Assert.Equal(field, problem.GetProperty("field").GetString());
        return problem;
    }
}
