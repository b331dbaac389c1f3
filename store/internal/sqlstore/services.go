package sqlstore

// Services are every service of this package on one database: what a
// store hands out besides its object service and change feed.
type Services struct {
	Collections   *CollectionService
	Accounts      *AccountService
	Statuses      *StatusService
	Secrets       *SecretService
	Peers         *PeerService
	Organizations *OrganizationService
	Settings      *SettingService
	Deliveries    *DeliveryService
	Audit         *AuditService
	Archive       *ArchiveService
	Log           *LogService
}

// NewServices returns the services on db.
func NewServices(db *DB) *Services {
	return &Services{
		Collections:   NewCollectionService(db),
		Accounts:      NewAccountService(db),
		Statuses:      NewStatusService(db),
		Secrets:       NewSecretService(db),
		Peers:         NewPeerService(db),
		Organizations: NewOrganizationService(db),
		Settings:      NewSettingService(db),
		Deliveries:    NewDeliveryService(db),
		Audit:         NewAuditService(db),
		Archive:       NewArchiveService(db),
		Log:           NewLogService(db),
	}
}
