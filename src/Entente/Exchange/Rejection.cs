namespace Entente.Exchange;

/// <summary>Why a node refuses a message. Each code says whether sending the same bytes again could ever succeed.</summary>
public enum RejectionCode
{
    /// <summary>Not an envelope in the documented shape (or damaged on the way).</summary>
    Malformed,
    /// <summary>Larger than the node accepts.</summary>
    TooLarge,
    /// <summary>Addressed to another node.</summary>
    WrongRecipient,
    /// <summary>The sender is not a partner of this node.</summary>
    UnknownSender,
    /// <summary>The signature does not verify with the sender's key.</summary>
    BadSignature,
    /// <summary>Past its expiry.</summary>
    Expired,
    /// <summary>Made in the future (beyond the allowed clock difference).</summary>
    NotYetValid,
    /// <summary>The message id was seen before with other content.</summary>
    Replay,
    /// <summary>The payload does not decrypt with this node's key.</summary>
    Undecryptable,
    /// <summary>The agreement named is not in force here, or not the text the sender relied on.</summary>
    AgreementNotInForce,
    /// <summary>The agreement does not permit this category and purpose from this sender.</summary>
    NotPermitted,
    /// <summary>The payload carries a field the agreement does not let travel, or not in the form it requires.</summary>
    FieldNotAllowed,
    /// <summary>Handling code weaker than the agreement requires, or an evaluation other than the one it stamps (or none).</summary>
    HandlingCode,
    /// <summary>The message kind does not belong to the data category it is sent under (<see cref="HeaderRules"/>).</summary>
    KindNotAllowed,
    /// <summary>A header field, or the whole header, is longer than the node accepts (<see cref="HeaderRules"/>).</summary>
    HeaderTooLarge,
    /// <summary>The payload cannot be processed: not one JSON object, a member twice, a value of the wrong JSON type.</summary>
    InvalidPayload,
    /// <summary>An earlier message of the same conversation has not arrived yet; send that first.</summary>
    OutOfOrder,
    /// <summary>The receiving node could not store it now (a transient failure on its side).</summary>
    Unavailable,
}

/// <summary>A refusal: the code, what exactly was wrong, and whether a later retry of the same bytes may succeed.</summary>
public sealed record Rejection(RejectionCode Code, string Detail)
{
    /// <summary>
    /// True when retrying cannot help: the receiver read the very bytes the sender signed and refused them on their
    /// merits. Damage on the way (a malformed envelope whose digest differs from the one sent), a message that came
    /// before its predecessor, or a busy receiver are transient.
    /// </summary>
    public bool Permanent => Code is not (RejectionCode.OutOfOrder or RejectionCode.Unavailable);

    /// <summary>The code as it travels (kebab case).</summary>
    public string Name => Agreements.AgreementDocument.Kebab(Code.ToString());

    public override string ToString() => $"{Name}: {Detail}";
}
