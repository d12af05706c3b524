"""What the phone says, in the listener's language (fr, en, es, de, pt; English otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LANGUAGE = "en"

# Twilio <Say language=...> codes.
VOICE_LANGUAGE = {"fr": "fr-FR", "en": "en-GB", "es": "es-ES", "de": "de-DE", "pt": "pt-PT"}

_PROMPTS: dict[str, dict[str, str]] = {
    "provider_offer": {
        "fr": "Bonjour, ici SOS Expat. Un client vous attend pour un appel. Appuyez sur 1 pour accepter.",
        "en": "Hello, this is SOS Expat. A client is waiting for your call. Press 1 to accept.",
        "es": "Hola, le llama SOS Expat. Un cliente le espera para una llamada. Pulse 1 para aceptar.",
        "de": "Hallo, hier ist SOS Expat. Ein Kunde wartet auf Ihren Anruf. Drücken Sie 1, um anzunehmen.",
        "pt": "Olá, fala a SOS Expat. Um cliente aguarda a sua chamada. Prima 1 para aceitar.",
    },
    "client_offer": {
        "fr": "Bonjour, ici SOS Expat. Votre expert est en ligne. Appuyez sur 1 pour être mis en relation.",
        "en": "Hello, this is SOS Expat. Your expert is on the line. Press 1 to be connected.",
        "es": "Hola, le llama SOS Expat. Su experto está en línea. Pulse 1 para conectarse.",
        "de": "Hallo, hier ist SOS Expat. Ihr Experte ist in der Leitung. Drücken Sie 1, um verbunden zu werden.",
        "pt": "Olá, fala a SOS Expat. O seu especialista está em linha. Prima 1 para ser ligado.",
    },
    "connecting": {
        "fr": "Merci. Mise en relation en cours.",
        "en": "Thank you. Connecting you now.",
        "es": "Gracias. Le estamos conectando.",
        "de": "Danke. Sie werden jetzt verbunden.",
        "pt": "Obrigado. Estamos a ligá-lo.",
    },
    "declined": {
        "fr": "Appel refusé. Au revoir.",
        "en": "Call declined. Goodbye.",
        "es": "Llamada rechazada. Adiós.",
        "de": "Anruf abgelehnt. Auf Wiederhören.",
        "pt": "Chamada recusada. Adeus.",
    },
    "no_input": {
        "fr": "Nous n'avons pas reçu de réponse. Au revoir.",
        "en": "We did not receive a response. Goodbye.",
        "es": "No hemos recibido respuesta. Adiós.",
        "de": "Wir haben keine Antwort erhalten. Auf Wiederhören.",
        "pt": "Não recebemos resposta. Adeus.",
    },
    "unavailable": {
        "fr": "Cet appel n'est plus disponible. Au revoir.",
        "en": "This call is no longer available. Goodbye.",
        "es": "Esta llamada ya no está disponible. Adiós.",
        "de": "Dieser Anruf ist nicht mehr verfügbar. Auf Wiederhören.",
        "pt": "Esta chamada já não está disponível. Adeus.",
    },
}

PROMPT_KEYS = frozenset(_PROMPTS)


@dataclass(frozen=True)
class Prompt:
    text: str
    voice_language: str


def normalise_language(raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        return DEFAULT_LANGUAGE
    code = raw.strip().lower().replace("_", "-").split("-")[0]
    return code if code in VOICE_LANGUAGE else DEFAULT_LANGUAGE


def prompt(key: str, language: object) -> Prompt:
    lang = normalise_language(language)
    return Prompt(_PROMPTS[key][lang], VOICE_LANGUAGE[lang])
