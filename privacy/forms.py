from django import forms


class AccountCloseForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False, max_length=4096,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(
        label="I understand that closing my account cannot be undone: I can no longer sign in, and my name, email "
              "address, phone and payout account are erased.")

