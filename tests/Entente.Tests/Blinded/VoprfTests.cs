using Entente.Blinded;

namespace Entente.Tests.Blinded;

/// <summary>RFC 9497 Appendix A.1.2 (ristretto255-SHA512, VOPRF mode 0x01): the published test vectors, byte for byte, and proofs that must not verify.</summary>
public sealed class VoprfTests
{
    private const string Seed = "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3";
    private const string KeyInfo = "74657374206b6579";
    private const string SkSm = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909";
    private const string PkSm = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e";

    private const string Blind1 = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706";
    private const string Blind2 = "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e";
    private const string Output1 = "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7da4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c";
    private const string Output2 = "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6";

    /// <summary>Inputs, blinds, blinded elements, evaluation elements, proof, proof random scalar, outputs (lists joined by commas, as the RFC writes them).</summary>
    public static TheoryData<string, string, string, string, string, string, string> Vectors => new()
    {
        // Test Vector 1, Batch Size 1
        {
            "00", Blind1,
            "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
            "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
            "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd066d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
            "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
            Output1
        },
        // Test Vector 2, Batch Size 1
        {
            "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", Blind1,
            "cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c",
            "60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468",
            "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
            "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
            Output2
        },
        // Test Vector 3, Batch Size 2: one proof for both elements
        {
            "00,5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", Blind1 + "," + Blind2,
            "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945,90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
            "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e,cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
            "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
            "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
            Output1 + "," + Output2
        },
    };

    private static byte[][] List(string joined) => [.. joined.Split(',').Select(Convert.FromHexString)];

    private static string Hex(IEnumerable<byte[]> values) => string.Join(",", values.Select(Convert.ToHexStringLower));

    [Fact]
    public void DeriveKeyPair_under_mode_0x01_gives_the_RFCs_key_pair()
    {
        Assert.Equal("OPRFV1-\u0001-ristretto255-SHA512", System.Text.Encoding.ASCII.GetString(Voprf.ContextString));
        var (sk, pk) = Voprf.DeriveKeyPair(Convert.FromHexString(Seed), Convert.FromHexString(KeyInfo));
        Assert.Equal((SkSm, PkSm), (Convert.ToHexStringLower(sk), Convert.ToHexStringLower(pk)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Blind_BlindEvaluate_with_its_proof_and_Finalize_give_the_RFCs_values(string inputs, string blinds, string blindedElements, string evaluationElements, string proof,
        string proofRandomScalar, string outputs)
    {
        var (sk, pk) = (Convert.FromHexString(SkSm), Convert.FromHexString(PkSm));
        var x = List(inputs);
        var blinded = x.Zip(List(blinds), (input, blind) => Voprf.Blind(input, blind)).ToList();
        Assert.Equal(blindedElements, Hex(blinded.Select(b => b.BlindedElement)));

        var evaluation = Voprf.BlindEvaluate(sk, pk, [.. blinded.Select(b => b.BlindedElement)], Convert.FromHexString(proofRandomScalar));
        Assert.Equal(evaluationElements, Hex(evaluation.Evaluated));
        Assert.Equal(proof, Convert.ToHexStringLower(evaluation.Proof));

        var finalized = Voprf.Finalize(x, [.. blinded.Select(b => b.Blind)], evaluation.Evaluated, [.. blinded.Select(b => b.BlindedElement)], pk, evaluation.Proof);
        Assert.Equal(outputs, Hex(finalized));
        // The holder's own evaluation (for its index) is the same function.
        Assert.Equal(outputs, Hex(x.Select(input => Voprf.Evaluate(sk, input))));
    }

    [Fact]
    public void A_proof_made_with_another_key_or_altered_or_for_other_elements_does_not_verify()
    {
        var (sk, pk) = (Convert.FromHexString(SkSm), Convert.FromHexString(PkSm));
        var input = "eori:GB553202734852"u8.ToArray();
        var blind = Voprf.Blind(input);
        var honest = Voprf.BlindEvaluate(sk, pk, [blind.BlindedElement]);
        Assert.Equal(Voprf.Evaluate(sk, input), Voprf.Finalize(input, blind.Blind, honest.Evaluated[0], blind.BlindedElement, pk, honest.Proof));

        // A holder that evaluates with another key, and proves that key honestly, is caught against the committed pkS.
        var other = Oprf.GenerateKey();
        var otherPk = Oprf.PublicKeyOf(other);
        var cheat = Voprf.BlindEvaluate(other, otherPk, [blind.BlindedElement]);
        Assert.True(Voprf.VerifyProof(otherPk, [blind.BlindedElement], cheat.Evaluated, cheat.Proof));
        Assert.Throws<OprfProofException>(() => Voprf.Finalize(input, blind.Blind, cheat.Evaluated[0], blind.BlindedElement, pk, cheat.Proof));
        // Nor does the honest proof cover the other key's element, a flipped bit, or another blinded element.
        Assert.False(Voprf.VerifyProof(pk, [blind.BlindedElement], cheat.Evaluated, honest.Proof));
        var flipped = (byte[])honest.Proof.Clone();
        flipped[40] ^= 1;
        Assert.False(Voprf.VerifyProof(pk, [blind.BlindedElement], honest.Evaluated, flipped));
        Assert.False(Voprf.VerifyProof(pk, [Voprf.Blind(input).BlindedElement], honest.Evaluated, honest.Proof));
        Assert.False(Voprf.VerifyProof(pk, [blind.BlindedElement], honest.Evaluated, honest.Proof[..63]));
    }

    [Fact]
    public void One_batched_proof_fails_when_a_single_element_of_the_batch_was_evaluated_with_another_key()
    {
        var sk = Oprf.GenerateKey();
        var pk = Oprf.PublicKeyOf(sk);
        var blinded = Enumerable.Range(0, 5).Select(i => Voprf.Blind(System.Text.Encoding.UTF8.GetBytes($"container:MSCU{i:D7}")).BlindedElement).ToList();
        var evaluated = blinded.Select(b => Voprf.EvaluateElement(sk, b)).ToArray();
        Assert.True(Voprf.VerifyProof(pk, blinded, evaluated, Voprf.GenerateProof(sk, pk, blinded, evaluated)));
        evaluated[3] = Voprf.EvaluateElement(Oprf.GenerateKey(), blinded[3]);
        Assert.False(Voprf.VerifyProof(pk, blinded, evaluated, Voprf.GenerateProof(sk, pk, blinded, evaluated)));
    }
}
