"""The transparency documents' shapes, for the API's answers and its OpenAPI schema (docs/transparency.md)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class PublicKeyOutputSerializer(serializers.Serializer):
    key_id = serializers.CharField(help_text=_("Lower-case hex SHA-256 of the 32 raw public-key bytes."))
    public_key = serializers.CharField(help_text=_("Base64 of the 32 raw Ed25519 public-key bytes."))


class TreeHeadOutputSerializer(serializers.Serializer):
    tree_size = serializers.IntegerField()
    timestamp_us = serializers.IntegerField(help_text=_("Microseconds since the Unix epoch, UTC."))
    root_hash = serializers.CharField(help_text=_("64 lower-case hex digits."))
    key_id = serializers.CharField()
    signature = serializers.CharField(help_text=_("Ed25519, base64, over the gavel-tree-head-v1 layout."))


class ConsistencyProofOutputSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    path = serializers.ListField(child=serializers.CharField(), help_text=_("RFC 9162 §2.1.4 proof, hex."))


class TreeHeadsOutputSerializer(serializers.Serializer):
    format = serializers.CharField(help_text='"gavel-tree-heads"')
    version = serializers.IntegerField()
    public_keys = PublicKeyOutputSerializer(many=True)
    tree_heads = TreeHeadOutputSerializer(many=True)
    consistency_proofs = ConsistencyProofOutputSerializer(many=True)


class InclusionProofOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    entry = serializers.CharField(help_text=_("The entry's canonical JSON."))
    inclusion_path = serializers.ListField(child=serializers.CharField(), help_text=_("RFC 9162 §2.1.3 path, hex."))


class BidReceiptOutputSerializer(serializers.Serializer):
    format = serializers.CharField(help_text='"gavel-bid-receipt"')
    version = serializers.IntegerField()
    leaf_index = serializers.IntegerField()
    entry = serializers.CharField(help_text=_("The bid entry's canonical JSON."))
    server_time_us = serializers.IntegerField()
    key_id = serializers.CharField()
    signature = serializers.CharField(help_text=_("Ed25519, base64, over the gavel-bid-receipt-v1 layout."))


class ConsistencyInputSerializer(serializers.Serializer):
    first = serializers.IntegerField(min_value=0, help_text=_("The smaller signed head's size."))
    second = serializers.IntegerField(min_value=0, help_text=_("The larger signed head's size."))


class InclusionInputSerializer(serializers.Serializer):
    index = serializers.IntegerField(min_value=0, help_text=_("The leaf index (a receipt's leaf_index)."))
    tree_size = serializers.IntegerField(min_value=1, required=False,
                                         help_text=_("A signed head's size (default: the latest that holds the leaf)."))


class HeadsInputSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=100,
                                     help_text=_("How many of the latest heads."))
