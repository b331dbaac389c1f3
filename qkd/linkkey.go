package qkd

import (
	"context"
	"fmt"
)

// LinkKeyBits is the size of the keys a node link takes from its KME.
const LinkKeyBits = 256

// EncKey takes one new LinkKeyBits key to share with the slave SAE
// (enc_keys with number 1) and returns its key_ID and material, which
// the caller overwrites after use. With it and DecKey a Client is the
// key source of a node link (trust.QKDKeys).
func (c *Client) EncKey(ctx context.Context, slaveSAE string) (string, []byte, error) {
	keys, err := c.EncKeys(ctx, slaveSAE, KeyRequest{Number: 1, Size: LinkKeyBits})
	if err != nil {
		return "", nil, err
	}
	return keys[0].ID, keys[0].Material, nil
}

// DecKey fetches the key with id keyID that the master SAE took (dec_keys
// with one key_ID) and returns its material, which the caller overwrites
// after use. A key of another size than LinkKeyBits is refused.
func (c *Client) DecKey(ctx context.Context, masterSAE, keyID string) ([]byte, error) {
	keys, err := c.DecKeys(ctx, masterSAE, keyID)
	if err != nil {
		return nil, err
	}
	if len(keys[0].Material) != LinkKeyBits/8 {
		n := len(keys[0].Material)
		Zero(keys)
		return nil, fmt.Errorf("qkd: dec_keys: key %s has %d bits, a node link takes %d", keyID, 8*n, LinkKeyBits)
	}
	return keys[0].Material, nil
}
