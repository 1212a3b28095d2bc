using Entente.Blinded;

namespace Entente.Tests.Blinded;

/// <summary>RFC 9497 Appendix A.1.1 (ristretto255-SHA512, OPRF mode 0x00): the published test vectors, byte for byte.</summary>
public sealed class OprfTests
{
    private const string Seed = "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3";
    private const string KeyInfo = "74657374206b6579";
    private const string SkSm = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e";

    public static TheoryData<string, string, string, string, string> Vectors => new()
    {
        {
            "00", "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
            "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
            "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
            "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6"
        },
        {
            "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
            "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
            "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
            "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73"
        },
    };

    [Fact]
    public void DeriveKeyPair_gives_the_RFCs_private_key()
    {
        var (sk, pk) = Oprf.DeriveKeyPair(Convert.FromHexString(Seed), Convert.FromHexString(KeyInfo));
        Assert.Equal(SkSm, Convert.ToHexStringLower(sk));
        Assert.Equal(Convert.ToHexStringLower(Oprf.PublicKeyOf(sk)), Convert.ToHexStringLower(pk));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Blind_BlindEvaluate_and_Finalize_give_the_RFCs_values(string input, string blind, string blindedElement, string evaluationElement, string output)
    {
        var sk = Convert.FromHexString(SkSm);
        var x = Convert.FromHexString(input);
        var blinded = Oprf.Blind(x, Convert.FromHexString(blind));
        Assert.Equal(blindedElement, Convert.ToHexStringLower(blinded.BlindedElement));
        var evaluated = Oprf.BlindEvaluate(sk, blinded.BlindedElement);
        Assert.Equal(evaluationElement, Convert.ToHexStringLower(evaluated));
        Assert.Equal(output, Convert.ToHexStringLower(Oprf.Finalize(x, blinded.Blind, evaluated)));
        // The holder's own evaluation (for its index) is the same function.
        Assert.Equal(output, Convert.ToHexStringLower(Oprf.Evaluate(sk, x)));
    }

    [Fact]
    public void A_random_blind_gives_the_same_output_and_a_different_blinded_element_each_time()
    {
        var sk = Oprf.GenerateKey();
        var x = "eori:GB553202734852"u8.ToArray();
        var first = Oprf.Blind(x);
        var second = Oprf.Blind(x);
        Assert.NotEqual(first.BlindedElement, second.BlindedElement);
        Assert.Equal(Oprf.Evaluate(sk, x), Oprf.Finalize(x, first.Blind, Oprf.BlindEvaluate(sk, first.BlindedElement)));
        Assert.Equal(Oprf.Evaluate(sk, x), Oprf.Finalize(x, second.Blind, Oprf.BlindEvaluate(sk, second.BlindedElement)));
    }

    [Fact]
    public void An_element_that_is_not_a_canonical_ristretto255_encoding_or_the_identity_is_refused()
    {
        var sk = Oprf.GenerateKey();
        Assert.Throws<OprfException>(() => Oprf.BlindEvaluate(sk, new byte[32]));
        Assert.Throws<OprfException>(() => Oprf.BlindEvaluate(sk, Enumerable.Repeat((byte)0xff, 32).ToArray()));
    }
}
