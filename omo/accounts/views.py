"""The shopper's signup with a mobile number (allauth's signup view with the phone-only form)."""

from allauth.account.internal import flows
from allauth.account.views import SignupView

from .forms import PhoneSignupForm


class PhoneSignupView(SignupView):
    template_name = "account/phone_signup.html"
    form_class = PhoneSignupForm

    def get_form_class(self):
        return PhoneSignupForm

    def form_valid(self, form):
        self.user, response = form.try_save(self.request)
        if response:
            return response
        # No email to verify: the number is verified by the SMS code step instead.
        return flows.signup.complete_signup(
            self.request, user=self.user, email_verification="none", redirect_url=self.get_success_url()
        )


phone_signup = PhoneSignupView.as_view()
