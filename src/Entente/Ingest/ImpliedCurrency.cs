using Entente.Declarations;

namespace Entente.Ingest;

/// <summary>
/// Amounts a reader found without a currency (CUSDEC MOA without C516 component 3 and no CUX naming one, as South
/// Africa's and New Zealand's guides write them; a WCO amount without currencyID; a CSV row with an empty currency):
/// the node's national currency is taken, and each one becomes an <see cref="FindingCodes.ImpliedCurrency"/> finding.
/// </summary>
internal static class ImpliedCurrency
{
    /// <summary>The pointers of the amounts that named no currency, each now in <paramref name="national"/> when given; null when none.</summary>
    public static List<string>? Fill(Declaration declaration, string? national)
    {
        List<string>? missing = null;
        Amount? Fix(Amount? amount, string path)
        {
            if (amount is null || !string.IsNullOrWhiteSpace(amount.Currency)) return amount;
            (missing ??= []).Add(path + "/currency");
            return national is null ? amount : amount with { Currency = national };
        }

        declaration.InvoiceAmount = Fix(declaration.InvoiceAmount, "/invoiceAmount");
        var items = declaration.GoodsShipment.GoodsItems;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            item.ItemPrice = Fix(item.ItemPrice, $"/goodsShipment/goodsItems/{i}/itemPrice");
            item.CustomsValue = Fix(item.CustomsValue, $"/goodsShipment/goodsItems/{i}/customsValue");
            for (var f = 0; f < item.DutyTaxFees.Count; f++)
            {
                var fee = item.DutyTaxFees[f];
                fee.TaxBase = Fix(fee.TaxBase, $"/goodsShipment/goodsItems/{i}/dutyTaxFees/{f}/taxBase");
                fee.Payable = Fix(fee.Payable, $"/goodsShipment/goodsItems/{i}/dutyTaxFees/{f}/payable");
            }
        }
        return missing;
    }

    public static ValidationProblem Problem(string path, string? national) => national is null
        ? new ValidationProblem(path, "the amount names no currency and this node has no national currency to take (Entente:Ingest:NationalCurrency, docs/configuration.md)")
        : new ValidationProblem(path, $"the amount names no currency; the node's national currency {national} is taken", FindingCodes.ImpliedCurrency);
}
