"""The recommendation form's spec (the domain, like Rasa's domain.yml): intents, slots, options.

Loaded from intents/ and shared by nlu, advisor and dialogue, which all sit above it.
"""

from bot.form.spec import FormSpec, Intent, Slot, SlotOption, load_form

__all__ = ["FormSpec", "Intent", "Slot", "SlotOption", "load_form"]
