using Entente.Partners;

namespace Entente.Tests.Partners;

public class PartnerEndpointTests
{
    [Theory]
    [InlineData("https://entente.douane.nl")]
    [InlineData("https://entente.customs.go.kr:8443/node")]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://127.42.0.9")]
    [InlineData("http://[::1]:5080/")]
    [InlineData("http://localhost:5080")]
    public void Https_anywhere_and_plain_http_on_loopback_are_accepted(string endpoint)
    {
        Assert.Null(PartnerEndpoint.Problem(endpoint));
        Assert.Equal(endpoint.TrimEnd('/'), PartnerEndpoint.Parse(endpoint).AbsoluteUri.TrimEnd('/'));
    }

    [Theory]
    [InlineData("http://entente.douane.nl", "plain http is allowed only on loopback")]
    [InlineData("http://10.0.0.7:5080", "plain http is allowed only on loopback")]
    [InlineData("http://128.0.0.1", "plain http is allowed only on loopback")]
    [InlineData("http://localhost.example.org", "plain http is allowed only on loopback")]
    [InlineData("ftp://entente.douane.nl", "expected an absolute https:// URL")]
    [InlineData("entente.douane.nl", "expected an absolute https:// URL")]
    [InlineData("https://admin:secret@entente.douane.nl", "credentials do not belong in the URL")]
    [InlineData("https://entente.douane.nl/?next=x", "expected no query or fragment")]
    public void Anything_else_is_refused_saying_why(string endpoint, string reason)
    {
        var problem = PartnerEndpoint.Problem(endpoint);

        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.Contains(endpoint, problem, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => PartnerEndpoint.Parse(endpoint));
    }
}
