//! The products a subscriber can hold, and a small bit set of them.

/// A product in the operator's portfolio. Its name is what holdings lists and product events carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    VoiceBasic,
    Data1Gb,
    Data5Gb,
    Data20Gb,
    RoamingPack,
    FamilyPlan,
    DeviceInsurance,
    FiveGPlan,
    MusicPack,
    VideoPack,
}

impl Product {
    pub const ALL: [Product; 10] = [
        Product::VoiceBasic,
        Product::Data1Gb,
        Product::Data5Gb,
        Product::Data20Gb,
        Product::RoamingPack,
        Product::FamilyPlan,
        Product::DeviceInsurance,
        Product::FiveGPlan,
        Product::MusicPack,
        Product::VideoPack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Product::VoiceBasic => "voice_basic",
            Product::Data1Gb => "data_1gb",
            Product::Data5Gb => "data_5gb",
            Product::Data20Gb => "data_20gb",
            Product::RoamingPack => "roaming_pack",
            Product::FamilyPlan => "family_plan",
            Product::DeviceInsurance => "device_insurance",
            Product::FiveGPlan => "5g_plan",
            Product::MusicPack => "music_pack",
            Product::VideoPack => "video_pack",
        }
    }

    pub fn parse(name: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Monthly data allowance of a data bundle, in MB; `None` for every other product.
    pub fn bundle_mb(self) -> Option<f64> {
        match self {
            Product::Data1Gb => Some(1024.0),
            Product::Data5Gb => Some(5120.0),
            Product::Data20Gb => Some(20480.0),
            _ => None,
        }
    }

    /// The product an action sells, read from its id: `upsell_data_5gb`, `roaming_offer`,
    /// `family-plan-q4`. Data sizes are tested before the bare `5g` so `5gb` never reads as 5G.
    pub fn from_action_id(id: &str) -> Option<Product> {
        let id = id.to_ascii_lowercase();
        if let Some(product) = Product::ALL.into_iter().find(|p| id.contains(p.as_str())) {
            return Some(product);
        }
        const TOKENS: [(&str, Product); 10] = [
            ("20gb", Product::Data20Gb),
            ("5gb", Product::Data5Gb),
            ("1gb", Product::Data1Gb),
            ("5g", Product::FiveGPlan),
            ("roaming", Product::RoamingPack),
            ("family", Product::FamilyPlan),
            ("insurance", Product::DeviceInsurance),
            ("music", Product::MusicPack),
            ("video", Product::VideoPack),
            ("voice", Product::VoiceBasic),
        ];
        TOKENS
            .into_iter()
            .find(|(token, _)| id.contains(token))
            .map(|(_, product)| product)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The set of products one subscriber holds now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Holdings(u16);

impl Holdings {
    pub fn contains(self, product: Product) -> bool {
        self.0 & product.bit() != 0
    }

    pub fn insert(&mut self, product: Product) {
        self.0 |= product.bit();
    }

    pub fn remove(&mut self, product: Product) {
        self.0 &= !product.bit();
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Product> {
        Product::ALL.into_iter().filter(move |p| self.contains(*p))
    }

    /// The data bundle held, if any (a subscriber holds at most one).
    pub fn data_bundle(self) -> Option<Product> {
        self.iter().find(|p| p.bundle_mb().is_some())
    }

    pub fn names(self) -> Vec<String> {
        self.iter().map(|p| p.as_str().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(action_id: &str, expected: Option<&str>) {
        assert_eq!(
            Product::from_action_id(action_id).map(Product::as_str),
            expected,
            "{action_id}"
        );
    }

    #[test]
    fn product_from_action_id() {
        check("upsell_data_5gb", Some("data_5gb"));
        check("DATA_20GB_PRIVATE_PRICE", Some("data_20gb"));
        check("offer-5gb-bundle", Some("data_5gb"));
        check("upgrade_to_5g", Some("5g_plan"));
        check("5g_plan", Some("5g_plan"));
        check("roaming_weekly", Some("roaming_pack"));
        check("family-plan-q4", Some("family_plan"));
        check("health_check_call", None);
        check("", None);
    }

    #[test]
    fn set_operations() {
        let mut held = Holdings::default();
        assert!(held.is_empty());
        held.insert(Product::VoiceBasic);
        held.insert(Product::Data5Gb);
        assert_eq!(held.names(), ["voice_basic", "data_5gb"]);
        assert_eq!(held.data_bundle(), Some(Product::Data5Gb));
        held.remove(Product::Data5Gb);
        assert_eq!(held.len(), 1);
        assert_eq!(held.data_bundle(), None);
        for p in Product::ALL {
            assert_eq!(Product::parse(p.as_str()), Some(p));
        }
    }
}
