"""The references people write on bank transfers: a sale's and a receivable's, each with ISO 7064 check digits."""


def check_digits(number: str) -> str:
    """ISO 7064 MOD 97-10 check digits (as in an IBAN): a mistyped reference fails the check."""
    return f"{98 - (int(number + '00') % 97):02d}"


def bank_reference(sale_id: int) -> str:
    return f"GVL-{sale_id}-{check_digits(str(sale_id))}"


def receivable_reference(receivable_id: int) -> str:
    """The reference a seller writes on a transfer settling what they owe (a receivable)."""
    return f"GVL-R-{receivable_id}-{check_digits(str(receivable_id))}"


def deposit_reference(topup_id: int) -> str:
    """The reference a dealer writes on the transfer topping up their deposit (check digits catch a typo)."""
    return f"GVL-D-{topup_id}-{check_digits(str(topup_id))}"
