from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Region(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REGION_UNSPECIFIED: _ClassVar[Region]
    REGION_ABAI: _ClassVar[Region]
    REGION_AKMOLA: _ClassVar[Region]
    REGION_AKTOBE: _ClassVar[Region]
    REGION_ALMATY: _ClassVar[Region]
    REGION_ATYRAU: _ClassVar[Region]
    REGION_EAST_KAZAKHSTAN: _ClassVar[Region]
    REGION_JAMBYL: _ClassVar[Region]
    REGION_JETISU: _ClassVar[Region]
    REGION_KARAGANDA: _ClassVar[Region]
    REGION_KOSTANAY: _ClassVar[Region]
    REGION_KYZYLORDA: _ClassVar[Region]
    REGION_MANGYSTAU: _ClassVar[Region]
    REGION_NORTH_KAZAKHSTAN: _ClassVar[Region]
    REGION_PAVLODAR: _ClassVar[Region]
    REGION_TURKISTAN: _ClassVar[Region]
    REGION_ULYTAU: _ClassVar[Region]
    REGION_WEST_KAZAKHSTAN: _ClassVar[Region]
    REGION_ASTANA_CITY: _ClassVar[Region]
    REGION_ALMATY_CITY: _ClassVar[Region]
    REGION_SHYMKENT_CITY: _ClassVar[Region]

class Sector(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECTOR_UNSPECIFIED: _ClassVar[Sector]
    SECTOR_COAL_POWER_AND_HEAT: _ClassVar[Sector]
    SECTOR_IRON_AND_STEEL: _ClassVar[Sector]
    SECTOR_FERRO_ALLOYS: _ClassVar[Sector]
    SECTOR_COPPER: _ClassVar[Sector]
    SECTOR_ZINC_LEAD: _ClassVar[Sector]
    SECTOR_ALUMINA_ALUMINIUM: _ClassVar[Sector]
    SECTOR_OIL_REFINING: _ClassVar[Sector]
    SECTOR_CEMENT: _ClassVar[Sector]
    SECTOR_OIL_AND_GAS: _ClassVar[Sector]

class Pollutant(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLLUTANT_UNSPECIFIED: _ClassVar[Pollutant]
    POLLUTANT_NOX: _ClassVar[Pollutant]
    POLLUTANT_SO2: _ClassVar[Pollutant]
    POLLUTANT_DUST: _ClassVar[Pollutant]
    POLLUTANT_CO: _ClassVar[Pollutant]
    POLLUTANT_HCL: _ClassVar[Pollutant]
    POLLUTANT_HF: _ClassVar[Pollutant]
    POLLUTANT_HG: _ClassVar[Pollutant]
    POLLUTANT_PCDD_F: _ClassVar[Pollutant]

class BatBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BAT_BASIS_UNSPECIFIED: _ClassVar[BatBasis]
    BAT_BASIS_KZ_BAT_CONCLUSION: _ClassVar[BatBasis]
    BAT_BASIS_EU_BENCHMARK: _ClassVar[BatBasis]

class LimitBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMIT_BASIS_UNSPECIFIED: _ClassVar[LimitBasis]
    LIMIT_BASIS_KZ_BAT_CONCLUSION: _ClassVar[LimitBasis]
    LIMIT_BASIS_PROPOSED_STANDARD: _ClassVar[LimitBasis]
    LIMIT_BASIS_EFFICIENCY_PROGRAMME: _ClassVar[LimitBasis]
REGION_UNSPECIFIED: Region
REGION_ABAI: Region
REGION_AKMOLA: Region
REGION_AKTOBE: Region
REGION_ALMATY: Region
REGION_ATYRAU: Region
REGION_EAST_KAZAKHSTAN: Region
REGION_JAMBYL: Region
REGION_JETISU: Region
REGION_KARAGANDA: Region
REGION_KOSTANAY: Region
REGION_KYZYLORDA: Region
REGION_MANGYSTAU: Region
REGION_NORTH_KAZAKHSTAN: Region
REGION_PAVLODAR: Region
REGION_TURKISTAN: Region
REGION_ULYTAU: Region
REGION_WEST_KAZAKHSTAN: Region
REGION_ASTANA_CITY: Region
REGION_ALMATY_CITY: Region
REGION_SHYMKENT_CITY: Region
SECTOR_UNSPECIFIED: Sector
SECTOR_COAL_POWER_AND_HEAT: Sector
SECTOR_IRON_AND_STEEL: Sector
SECTOR_FERRO_ALLOYS: Sector
SECTOR_COPPER: Sector
SECTOR_ZINC_LEAD: Sector
SECTOR_ALUMINA_ALUMINIUM: Sector
SECTOR_OIL_REFINING: Sector
SECTOR_CEMENT: Sector
SECTOR_OIL_AND_GAS: Sector
POLLUTANT_UNSPECIFIED: Pollutant
POLLUTANT_NOX: Pollutant
POLLUTANT_SO2: Pollutant
POLLUTANT_DUST: Pollutant
POLLUTANT_CO: Pollutant
POLLUTANT_HCL: Pollutant
POLLUTANT_HF: Pollutant
POLLUTANT_HG: Pollutant
POLLUTANT_PCDD_F: Pollutant
BAT_BASIS_UNSPECIFIED: BatBasis
BAT_BASIS_KZ_BAT_CONCLUSION: BatBasis
BAT_BASIS_EU_BENCHMARK: BatBasis
LIMIT_BASIS_UNSPECIFIED: LimitBasis
LIMIT_BASIS_KZ_BAT_CONCLUSION: LimitBasis
LIMIT_BASIS_PROPOSED_STANDARD: LimitBasis
LIMIT_BASIS_EFFICIENCY_PROGRAMME: LimitBasis
